-- Operating Backline: the request id of the click that made a report (in every log
-- line about it), indexes behind the admin console's searches, the audit log,
-- the ledger of notices to people in charge (each sent at most once), and the demo
-- dataset's customer count.

-- AlterTable
ALTER TABLE "reports" ADD COLUMN     "request_id" TEXT;

-- CreateTable
CREATE TABLE "audit_log" (
    "id" BIGSERIAL NOT NULL,
    "at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "actor" TEXT NOT NULL,
    "action" TEXT NOT NULL,
    "target" TEXT,
    "detail" JSONB,

    CONSTRAINT "audit_log_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "audit_log_at_idx" ON "audit_log"("at" DESC);

-- CreateIndex
CREATE INDEX "audit_log_action_at_idx" ON "audit_log"("action", "at" DESC);

-- CreateIndex
CREATE INDEX "campaign_recipients_email_idx" ON "campaign_recipients"("email");

-- CreateIndex
CREATE INDEX "reports_owner_email_id_idx" ON "reports"("owner_email", "id" DESC);

-- CreateIndex
CREATE INDEX "reports_schedule_id_occurrence_idx" ON "reports"("schedule_id", "occurrence");

-- CreateIndex
CREATE INDEX "reports_status_finished_at_idx" ON "reports"("status", "finished_at");


-- CreateTable
CREATE TABLE "notifications" (
    "key" TEXT NOT NULL,
    "sent_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "notifications_pkey" PRIMARY KEY ("key")
);


-- The demo dataset's size in customers (the campaign benchmark seeds 100,000).
-- AlterTable
ALTER TABLE "seed_info" ADD COLUMN     "customer_count" INTEGER NOT NULL DEFAULT 2000;


