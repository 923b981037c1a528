// POST /sign-in/verify — the confirmation page's button (form-encoded token,
// callbackURL, errorCallbackURL). The only way a sign-in token is used up:
// Better Auth's verify runs here, server-side, and its session cookie and
// redirect are passed on (303, so the browser follows with a GET). Like every
// POST it must carry this site's Origin (proxy.ts).
import { z } from "zod";
import { toFieldIssues } from "@backline/config";
import { isSitePath } from "@/lib/safe-path";
import { auth } from "@/lib/server/auth";
import { webEnv } from "@/lib/server/env";
import { jsonError } from "@/lib/server/http";
import { failureResponse } from "@/lib/server/failures";

const sitePath = z.string().refine(isSitePath, "Must be a path on this site");
const confirmForm = z.strictObject({
  token: z.string().regex(/^[A-Za-z0-9]{16,128}$/, "Not a sign-in token"),
  callbackURL: sitePath.optional(),
  errorCallbackURL: sitePath.optional(),
});

export async function POST(request: Request) {
  try {
    const read = await readForm(request);
    if (!read.ok) return read.response;
    const parsed = confirmForm.safeParse(read.fields);
    if (!parsed.success) return jsonError(400, "Invalid sign-in confirmation", toFieldIssues(parsed.error.issues));
    const { token, callbackURL = "/", errorCallbackURL } = parsed.data;
    const verified = await auth().api.magicLinkVerify({
      query: { token, callbackURL, ...(errorCallbackURL ? { errorCallbackURL } : {}) },
      headers: request.headers,
      asResponse: true,
    });
    const location = verified.headers.get("location");
    if (!location) throw new Error(`magic-link verify answered ${verified.status} without a redirect`);
    const headers = new Headers({ Location: location, "Cache-Control": "no-store" });
    for (const cookie of verified.headers.getSetCookie()) headers.append("Set-Cookie", cookie);
    return new Response(null, { status: 303, headers });
  } catch (err) {
    return failureResponse(err);
  }
}

/** The form's fields, read within MAX_BODY_BYTES; 415 for anything but a form post, 413 when too large. */
async function readForm(request: Request): Promise<{ ok: true; fields: Record<string, string> } | { ok: false; response: Response }> {
  const type = request.headers.get("content-type") ?? "";
  if (!/^application\/x-www-form-urlencoded\s*(;|$)/i.test(type)) {
    return {
      ok: false,
      response: jsonError(415, "Send the form as application/x-www-form-urlencoded", [
        { path: "", message: "Content-Type must be application/x-www-form-urlencoded" },
      ]),
    };
  }
  const max = webEnv().MAX_BODY_BYTES;
  const tooLarge = { ok: false as const, response: jsonError(413, `Request body is larger than ${max} bytes`) };
  if (Number(request.headers.get("content-length") ?? 0) > max) return tooLarge;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = request.body?.getReader();
  for (;;) {
    const next = await reader?.read();
    if (!next || next.done) break;
    size += next.value.byteLength;
    if (size > max) {
      await reader?.cancel().catch(() => {});
      return tooLarge;
    }
    chunks.push(next.value);
  }
  const params = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
  const fields: Record<string, string> = {};
  for (const [key, value] of params) {
    if (key in fields) return { ok: false, response: jsonError(400, "Invalid sign-in confirmation", [{ path: key, message: "Given more than once" }]) };
    fields[key] = value;
  }
  return { ok: true, fields };
}
