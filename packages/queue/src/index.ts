export {
  jobs,
  generateReportJob,
  sendSignInLinkJob,
  deliverWebhookJob,
  type DeliverWebhookPayload,
  type JobName,
  type JobPayload,
  type GenerateReportPayload,
  type SendSignInLinkPayload,
  type JobDefinition,
} from "./jobs/index.ts";
export { QUEUES, JOB_QUEUE, PRIORITY, signInEmailJobOptions, webhookJobOptions, jobOptions, type QueueName } from "./queues.ts";
export { asCluster, checkRedis, clusterOptions, createRedis, redisAnswers, type ConnectionRole } from "./connection.ts";
export { onMessage, publish, subscribe, unsubscribe } from "./pubsub.ts";
export { ENQUEUE_TIMEOUT_MS, createProducerQueue, enqueue, InvalidJobPayloadError, WrongQueueError, type QueueSettings } from "./producer.ts";
export { jobLiveness, type JobLiveness } from "./job-liveness.ts";
export { takeSendSlot, type RateLimit } from "./send-rate.ts";
