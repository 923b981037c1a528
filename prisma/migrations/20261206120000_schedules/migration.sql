-- Scheduled reports (packages/schedules): a schedule is a row; each occurrence is a
-- schedule_runs row unique per (schedule, nominal local time), the exactly-once
-- guarantee; a run that made a report names it, and the report names its schedule.
-- A report a schedule skips for want of data ends `skipped`.

-- CreateEnum
CREATE TYPE "MissedRunPolicy" AS ENUM ('latest', 'skip', 'all');

-- AlterEnum
ALTER TYPE "ReportStatus" ADD VALUE 'skipped';

-- AlterTable
ALTER TABLE "reports" ADD COLUMN     "occurrence" TIMESTAMP(0),
ADD COLUMN     "schedule_id" UUID;

-- CreateTable
CREATE TABLE "schedules" (
    "id" UUID NOT NULL,
    "user_id" UUID NOT NULL,
    "type" TEXT NOT NULL,
    "params" JSONB NOT NULL,
    "relative" JSONB,
    "cron" TEXT NOT NULL,
    "time_zone" TEXT NOT NULL,
    "skip_if_empty" BOOLEAN NOT NULL DEFAULT false,
    "missed" "MissedRunPolicy" NOT NULL DEFAULT 'latest',
    "paused" BOOLEAN NOT NULL DEFAULT false,
    "paused_reason" TEXT,
    "next_occurrence" TIMESTAMP(0),
    "next_run_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updated_at" TIMESTAMPTZ(3) NOT NULL,

    CONSTRAINT "schedules_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "schedule_runs" (
    "id" BIGSERIAL NOT NULL,
    "schedule_id" UUID NOT NULL,
    "occurrence" TIMESTAMP(0) NOT NULL,
    "due_at" TIMESTAMPTZ(3) NOT NULL,
    "report_id" UUID,
    "missed" BOOLEAN NOT NULL DEFAULT false,
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "schedule_runs_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "schedules_user_id_id_idx" ON "schedules"("user_id", "id" DESC);

-- CreateIndex
CREATE INDEX "schedules_paused_next_run_at_idx" ON "schedules"("paused", "next_run_at");

-- CreateIndex
CREATE UNIQUE INDEX "schedule_runs_report_id_key" ON "schedule_runs"("report_id");

-- CreateIndex
CREATE UNIQUE INDEX "schedule_runs_schedule_id_occurrence_key" ON "schedule_runs"("schedule_id", "occurrence");

-- AddForeignKey
ALTER TABLE "reports" ADD CONSTRAINT "reports_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedules"("id") ON DELETE SET NULL ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedules" ADD CONSTRAINT "schedules_user_id_fkey" FOREIGN KEY ("user_id") REFERENCES "users"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_runs" ADD CONSTRAINT "schedule_runs_schedule_id_fkey" FOREIGN KEY ("schedule_id") REFERENCES "schedules"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "schedule_runs" ADD CONSTRAINT "schedule_runs_report_id_fkey" FOREIGN KEY ("report_id") REFERENCES "reports"("id") ON DELETE SET NULL ON UPDATE CASCADE;


