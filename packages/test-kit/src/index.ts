export { createScratchDatabase, type ScratchDatabase } from "./scratch-database.ts";
export { startSmtpCapture, type SmtpCapture, type SmtpCaptureOptions } from "./smtp-capture.ts";
export { uniqueQueuePrefix, waitUntil } from "./wait.ts";
export { pdfText } from "./pdf-text.ts";
