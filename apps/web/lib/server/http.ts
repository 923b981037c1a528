// Small helpers shared by the API route handlers.
import "server-only";

export const MAX_BODY_BYTES = 64 * 1024;

export function jsonError(status: number, error: string, issues: { path: string; message: string }[] = [], headers?: HeadersInit) {
  return Response.json({ error, issues }, { status, headers });
}

/** Reads a JSON body with a size cap, answering 413/415/400 in plain words. */
export async function readJsonBody(request: Request): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\b/i.test(type)) {
    return { ok: false, response: jsonError(415, "Send the request as application/json", [{ path: "", message: "Content-Type must be application/json" }]) };
  }
  const declared = Number(request.headers.get("content-length") ?? 0);
  if (declared > MAX_BODY_BYTES) return { ok: false, response: jsonError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes`) };
  const text = await request.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return { ok: false, response: jsonError(413, `Request body is larger than ${MAX_BODY_BYTES} bytes`) };
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch (err) {
    return { ok: false, response: jsonError(400, "Malformed JSON body", [{ path: "", message: (err as Error).message }]) };
  }
}

/** Maps infrastructure failures to a clear 503 naming the setting to check. */
export function unavailable(err: unknown): Response {
  const message = String((err as Error)?.message ?? err);
  const db = /prisma|postgres|ECONNREFUSED.*5432|database|P1001|DriverAdapterError/i.test(message) || (err as { name?: string })?.name?.startsWith("Prisma");
  console.error(`[api] ${db ? "database" : "service"} unavailable: ${message.split("\n")[0]}`);
  return jsonError(503, db ? "The database is unavailable; check DATABASE_URL" : "A backing service is unavailable; try again shortly");
}
