export {
  UNTHROTTLED_LIMITS,
  appEnv,
  inboxEmails,
  missingBuilds,
  repoRoot,
  startInbox,
  startWeb,
  startWorker,
  type AppProcessOptions,
  type Inbox,
  type InboxEmail,
  type StackEnv,
  type WorkerProcess,
} from "./app-stack.ts";
export { pdfText } from "./pdf-text.ts";
export {
  exitCleanlyOnSignals,
  freePort,
  onCleanup,
  portOpen,
  runCleanup,
  signalAll,
  startProcess,
  waitForPort,
  type Proc,
  type StartOptions,
} from "./processes.ts";
export { deleteQueueKeys, listKeys, queueJobs, testingOnCluster, uniqueQueuePrefix, type QueueJobs } from "./queue-keys.ts";
export { startRedisCluster, type RedisCluster, type RedisClusterOptions } from "./redis-cluster.ts";
export { createScratchDatabase, type ScratchDatabase } from "./scratch-database.ts";
export { TEST_SECRETS, testWorkerSettings } from "./secrets.ts";
export {
  SESSION_COOKIE,
  authHeaders,
  createSessionCookie,
  sessionCache,
  sessionCookieName,
  sessionCookies,
  sessionPool,
  signedSessionCookie,
} from "./sessions.ts";
export { startSmtpSink, type SinkMessage, type SinkMode, type SmtpSink, type SmtpSinkOptions } from "./smtp-sink.ts";
export { waitUntil } from "./wait.ts";
export { startS3Server, type S3Server } from "./s3-server.ts";
