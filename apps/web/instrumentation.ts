// Runs once when a server process starts, before it takes requests: a missing
// or malformed setting (a secret, say) stops the process with one line naming
// it, instead of failing every request later.
export async function register() {
  if (process.env.NEXT_RUNTIME === "nodejs") (await import("./instrumentation-node")).checkSettings();
}
