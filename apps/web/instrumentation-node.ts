// The Node.js half of instrumentation.ts (kept apart so the Edge build never sees process.exit).
import { EnvError, signUpPolicyProblem } from "@backline/config";
import { webEnv } from "./lib/server/env";

/** Why the web app may not start, in one line, or null. */
export function settingsProblem(): string | null {
  try {
    const env = webEnv();
    // Anywhere but a local APP_URL (a production https address, or any address others can reach), someone must have said who may sign up.
    return signUpPolicyProblem(env);
  } catch (err) {
    return err instanceof EnvError ? err.message : String(err);
  }
}

export function checkSettings() {
  const problem = settingsProblem();
  if (problem) {
    console.error(`✖ Backline web cannot start: ${problem}`);
    process.exit(1);
  }
}
