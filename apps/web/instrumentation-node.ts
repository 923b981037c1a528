// The Node.js half of instrumentation.ts (kept apart so the Edge build never sees process.exit).
import { EnvError } from "@backline/config";
import { webEnv } from "./lib/server/env";

export function checkSettings() {
  try {
    webEnv();
  } catch (err) {
    console.error(`✖ Backline web cannot start: ${err instanceof EnvError ? err.message : String(err)}`);
    process.exit(1);
  }
}
