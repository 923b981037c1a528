-- Each attempt renders its own PDF; the delivery records which one was emailed,
-- so a report sent by one attempt and finished by another still points to it.
ALTER TABLE "deliveries" ADD COLUMN "file_path" TEXT,
ADD COLUMN "file_bytes" INTEGER,
ADD COLUMN "page_count" INTEGER;
