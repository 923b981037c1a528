// The web app's environment, parsed once per process.
import "server-only";
import { appEnv, databaseEnv, parseEnv, redisEnv } from "@backline/config";

export const webEnvSchema = databaseEnv.extend(redisEnv.shape).extend(appEnv.shape);

let cached: ReturnType<typeof webEnvSchema.parse> | undefined;
export function webEnv() {
  return (cached ??= parseEnv(webEnvSchema));
}
