// Small helpers shared by the API route handlers.
import "server-only";
import { webEnv } from "./env";

export function jsonError(status: number, error: string, issues: { path: string; message: string }[] = [], headers?: HeadersInit) {
  return Response.json({ error, issues }, { status, headers: { "Cache-Control": "no-store", ...headers } });
}

/** Reads a JSON body with a size cap (MAX_BODY_BYTES), answering 413/415/400 in plain words. */
export async function readJsonBody(request: Request): Promise<{ ok: true; body: unknown } | { ok: false; response: Response }> {
  const max = webEnv().MAX_BODY_BYTES;
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/json\s*(;|$)/i.test(type)) {
    return { ok: false, response: jsonError(415, "Send the request as application/json", [{ path: "", message: "Content-Type must be application/json" }]) };
  }
  const tooLarge = () => ({ ok: false as const, response: jsonError(413, `Request body is larger than ${max} bytes`) });
  if (Number(request.headers.get("content-length") ?? 0) > max) return tooLarge();
  // Read at most max+1 bytes, whatever the header claimed (or if it was absent: chunked).
  const bytes = await readCappedBody(request, max);
  if (bytes === null) return tooLarge();
  const text = new TextDecoder("utf-8", { fatal: false }).decode(bytes);
  try {
    return { ok: true, body: JSON.parse(text) };
  } catch (err) {
    return { ok: false, response: jsonError(400, "Malformed JSON body", [{ path: "", message: (err as Error).message.slice(0, 200) }]) };
  }
}

/** For POSTs that take no input (cancel, retry, links): anything but an empty body or `{}` is an unknown field → 400. */
export async function refuseBody(request: Request): Promise<Response | null> {
  const bytes = await readCappedBody(request, webEnv().MAX_BODY_BYTES);
  if (bytes === null) return jsonError(413, `Request body is larger than ${webEnv().MAX_BODY_BYTES} bytes`);
  const text = new TextDecoder().decode(bytes).trim();
  return text === "" || text === "{}" ? null : jsonError(400, "This request takes no body", [{ path: "", message: "Send no body (or {})" }]);
}

/** The body, or null once it passes `max` bytes (counted while reading, whatever Content-Length claimed). */
export async function readCappedBody(request: Request, max: number): Promise<Uint8Array | null> {
  if (!request.body) return new Uint8Array();
  const reader = request.body.getReader();
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      return null;
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
