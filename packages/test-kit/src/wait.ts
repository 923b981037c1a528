/** Polls `probe` until it returns a truthy value; generous timeouts keep a busy 2-core machine from flaking. */
export async function waitUntil<T>(
  probe: () => Promise<T | null | undefined | false>,
  { timeoutMs = 60_000, intervalMs = 100, what = "condition" } = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
