-- The API for programs and report preferences: personal API tokens (hashed), webhook
-- endpoints, their outbox (webhook_messages, written by triggers in the same statement
-- as the change they announce) and each delivery attempt; paper size and locale per user.

-- AlterTable
ALTER TABLE "users" ADD COLUMN     "locale" TEXT,
ADD COLUMN     "paper_size" TEXT;

-- CreateTable
CREATE TABLE "api_tokens" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "name" TEXT NOT NULL,
    "token_hash" TEXT NOT NULL,
    "prefix" TEXT NOT NULL,
    "scopes" TEXT[],
    "expires_at" TIMESTAMPTZ(3),
    "last_used_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "api_tokens_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_endpoints" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "url" TEXT NOT NULL,
    "events" TEXT[],
    "sealed_secret" TEXT NOT NULL,
    "failing_since" TIMESTAMPTZ(3),
    "disabled_at" TIMESTAMPTZ(3),
    "disabled_reason" TEXT,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "webhook_endpoints_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_messages" (
    "id" UUID NOT NULL,
    "endpoint_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "subject_id" UUID NOT NULL,
    "source_key" TEXT NOT NULL,
    "payload" JSONB,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "round" INTEGER NOT NULL DEFAULT 0,
    "enqueued_at" TIMESTAMPTZ(3),
    "delivered_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "webhook_messages_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "webhook_attempts" (
    "id" BIGSERIAL NOT NULL,
    "message_id" UUID NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "status_code" INTEGER,
    "error" TEXT,
    "duration_ms" INTEGER NOT NULL,
    CONSTRAINT "webhook_attempts_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "api_tokens_token_hash_key" ON "api_tokens"("token_hash");

-- CreateIndex
CREATE INDEX "api_tokens_user_id_idx" ON "api_tokens"("user_id");

-- CreateIndex
CREATE INDEX "webhook_endpoints_user_id_idx" ON "webhook_endpoints"("user_id");

-- CreateIndex
CREATE INDEX "webhook_messages_endpoint_id_created_at_idx" ON "webhook_messages"("endpoint_id", "created_at" DESC);

-- CreateIndex
CREATE INDEX "webhook_messages_status_enqueued_at_idx" ON "webhook_messages"("status", "enqueued_at");

-- CreateIndex
CREATE UNIQUE INDEX "webhook_messages_endpoint_id_type_source_key_key" ON "webhook_messages"("endpoint_id", "type", "source_key");

-- CreateIndex
CREATE INDEX "webhook_attempts_message_id_id_idx" ON "webhook_attempts"("message_id", "id");

-- AddForeignKey
ALTER TABLE "api_tokens" ADD CONSTRAINT "api_tokens_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_endpoints" ADD CONSTRAINT "webhook_endpoints_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_messages" ADD CONSTRAINT "webhook_messages_endpoint_id_fkey" FOREIGN KEY ("endpoint_id") REFERENCES "webhook_endpoints"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "webhook_attempts" ADD CONSTRAINT "webhook_attempts_message_id_fkey" FOREIGN KEY ("message_id") REFERENCES "webhook_messages"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- The outbox is written by the database itself, in the statement that makes the change,
-- so no status change can happen without its message and none is announced twice
-- (unique per endpoint, type and source). The workers' dispatcher enqueues the rows.

-- report.sent / report.failed: one message per report, attempt and outcome.
CREATE FUNCTION webhook_report_outcome() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_messages (id, endpoint_id, type, subject_id, source_key)
  SELECT gen_random_uuid(), e.id, 'report.' || NEW.status::text, r.id, r.id::text || ':' || r.attempts || ':' || NEW.status::text
  FROM reports r JOIN webhook_endpoints e ON e.user_id = r.user_id
  WHERE r.id = NEW.report_id AND e.disabled_at IS NULL AND ('report.' || NEW.status::text) = ANY (e.events)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_report_outcome AFTER INSERT ON report_events
  FOR EACH ROW WHEN (NEW.status IN ('sent', 'failed')) EXECUTE FUNCTION webhook_report_outcome();

-- schedule.paused: each pause (by its owner, or by itself) is an event.
CREATE FUNCTION webhook_schedule_paused() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_messages (id, endpoint_id, type, subject_id, source_key)
  SELECT gen_random_uuid(), e.id, 'schedule.paused', NEW.id, gen_random_uuid()::text
  FROM webhook_endpoints e
  WHERE e.user_id = NEW.user_id AND e.disabled_at IS NULL AND 'schedule.paused' = ANY (e.events);
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_schedule_paused AFTER UPDATE OF paused ON schedules
  FOR EACH ROW WHEN (NEW.paused AND NOT OLD.paused) EXECUTE FUNCTION webhook_schedule_paused();

-- campaign.completed / campaign.paused, to the admin who made it.
CREATE FUNCTION webhook_campaign_status() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  INSERT INTO webhook_messages (id, endpoint_id, type, subject_id, source_key)
  SELECT gen_random_uuid(), e.id, 'campaign.' || NEW.status::text, NEW.id,
         CASE WHEN NEW.status = 'completed' THEN NEW.id::text ELSE gen_random_uuid()::text END
  FROM webhook_endpoints e
  WHERE e.user_id = NEW.created_by AND e.disabled_at IS NULL AND ('campaign.' || NEW.status::text) = ANY (e.events)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END $$;
CREATE TRIGGER webhook_campaign_status AFTER UPDATE OF status ON campaigns
  FOR EACH ROW WHEN (NEW.status IS DISTINCT FROM OLD.status AND NEW.status IN ('completed', 'paused'))
  EXECUTE FUNCTION webhook_campaign_status();
