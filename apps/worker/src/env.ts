// The worker's environment, parsed once, composed from the package schemas.
import {
  appEnv,
  authEnv,
  campaignsEnv,
  databaseEnv,
  downloadLinkEnv,
  mailEnv,
  parseEnv,
  redisEnv,
  schedulesEnv,
  storageEnv,
  webhooksEnv,
  workerEnv,
} from "@backline/config";
import type { z } from "zod";

const workerEnvSchema = databaseEnv
  .extend(redisEnv.shape)
  .extend(appEnv.shape)
  .extend(mailEnv.shape)
  .extend(workerEnv.shape)
  .extend(downloadLinkEnv.shape)
  .extend(schedulesEnv.shape)
  .extend(campaignsEnv.shape)
  .extend(webhooksEnv.shape)
  .extend(storageEnv.shape)
  // Only to open the sign-in links it emails (sealed by the web app).
  .extend(authEnv.pick({ AUTH_SECRET: true, ADMIN_EMAILS: true }).shape);
export type WorkerEnv = z.infer<typeof workerEnvSchema>;

export const loadWorkerEnv = (source?: NodeJS.ProcessEnv): WorkerEnv => parseEnv(workerEnvSchema, source);
