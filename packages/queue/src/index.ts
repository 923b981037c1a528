export { jobs, generateReportJob, type JobName, type JobPayload, type GenerateReportPayload, type JobDefinition } from "./jobs/index.ts";
export { QUEUES, PRIORITY, jobOptions, type QueueName } from "./queues.ts";
export { createRedis, checkRedis, redisOptions, type ConnectionRole } from "./connection.ts";
export { createProducerQueue, enqueue, InvalidJobPayloadError, type QueueSettings } from "./producer.ts";
