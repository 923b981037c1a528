-- CreateEnum
CREATE TYPE "DeliveryStatus" AS ENUM ('pending', 'sending', 'sent');

-- AlterTable
ALTER TABLE "reports" ADD COLUMN     "idempotency_key" TEXT,
ADD COLUMN     "request_hash" TEXT;

-- CreateTable
CREATE TABLE "deliveries" (
    "id" BIGSERIAL NOT NULL,
    "report_id" UUID NOT NULL,
    "recipient" TEXT NOT NULL,
    "status" "DeliveryStatus" NOT NULL DEFAULT 'pending',
    "message_id" TEXT NOT NULL,
    "claims" INTEGER NOT NULL DEFAULT 0,
    "smtp_response" TEXT,
    "claimed_at" TIMESTAMPTZ(3),
    "sent_at" TIMESTAMPTZ(3),
    "created_at" TIMESTAMPTZ(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "deliveries_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "deliveries_report_id_recipient_key" ON "deliveries"("report_id", "recipient");

-- CreateIndex
CREATE UNIQUE INDEX "reports_idempotency_key_key" ON "reports"("idempotency_key");

-- AddForeignKey
ALTER TABLE "deliveries" ADD CONSTRAINT "deliveries_report_id_fkey" FOREIGN KEY ("report_id") REFERENCES "reports"("id") ON DELETE CASCADE ON UPDATE CASCADE;


