-- How many reports a user has queued, generating or emailing, counted only
-- once this transaction holds the user's advisory lock. A VOLATILE function's
-- queries each take a fresh snapshot, so the count sees every report inserted
-- by a concurrent request that held the lock before: used in the WHERE of the
-- report insert, it makes the per-user cap exact in one statement.
CREATE FUNCTION "reports_in_flight_locked"("p_user_id" UUID) RETURNS BIGINT
LANGUAGE plpgsql VOLATILE AS $$
BEGIN
  PERFORM pg_advisory_xact_lock(hashtext(p_user_id::text));
  RETURN (SELECT count(*) FROM "reports" WHERE "user_id" = p_user_id AND "status" IN ('queued', 'generating', 'emailing'));
END
$$;

-- CreateIndex
CREATE INDEX "reports_user_id_status_idx" ON "reports"("user_id", "status");
