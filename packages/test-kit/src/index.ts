export { createScratchDatabase, type ScratchDatabase } from "./scratch-database.ts";
export { startSmtpCapture, type SmtpCapture, type SmtpCaptureOptions } from "./smtp-capture.ts";
export { deleteQueueKeys, uniqueQueuePrefix, waitUntil } from "./wait.ts";
export { pdfText } from "./pdf-text.ts";
export { TEST_SECRETS } from "./secrets.ts";
export { SESSION_COOKIE, createSessionCookie, signedSessionCookie } from "./sessions.ts";
