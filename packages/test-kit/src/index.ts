export { createScratchDatabase, type ScratchDatabase } from "./scratch-database.ts";
export { startSmtpCapture, type SmtpCapture, type SmtpCaptureOptions } from "./smtp-capture.ts";
export { deleteQueueKeys, uniqueQueuePrefix, waitUntil } from "./wait.ts";
export { pdfText } from "./pdf-text.ts";
export { TEST_SECRETS, testWorkerSettings } from "./secrets.ts";
export { SESSION_COOKIE, createSessionCookie, sessionCookieName, signedSessionCookie } from "./sessions.ts";
