// The web app's environment, parsed once per process.
import "server-only";
import {
  appEnv,
  authEnv,
  campaignsEnv,
  databaseEnv,
  downloadLinkEnv,
  limitsEnv,
  opsEnv,
  parseEnv,
  redisEnv,
  schedulesEnv,
  storageEnv,
  webhooksEnv,
} from "@backline/config";

const webEnvSchema = databaseEnv
  .extend(redisEnv.shape)
  .extend(appEnv.shape)
  .extend(authEnv.shape)
  .extend(downloadLinkEnv.shape)
  .extend(limitsEnv.shape)
  .extend(schedulesEnv.shape)
  .extend(campaignsEnv.shape)
  .extend(opsEnv.shape)
  .extend(webhooksEnv.shape)
  .extend(storageEnv.shape);

let cached: ReturnType<typeof webEnvSchema.parse> | undefined;
export function webEnv() {
  return (cached ??= parseEnv(webEnvSchema));
}

/** The download-link keys in the shape @backline/report-service takes. */
export function downloadLinkKeys() {
  const env = webEnv();
  return { secret: env.DOWNLOAD_LINK_SECRET, previousSecrets: env.DOWNLOAD_LINK_PREVIOUS_SECRETS };
}
