// Better Auth's endpoints: /api/auth/sign-in/magic-link, /magic-link/verify,
// /get-session, /sign-out. Bodies are read here first, within MAX_BODY_BYTES;
// asking for a sign-in link is validated strictly and limited per mailbox, per
// domain, per client network and in all (each request may send an email; see
// signInLimits in rate-limits.ts).
import { toNextJsHandler } from "better-auth/next-js";
import { toFieldIssues } from "@backline/config";
import { z } from "zod";
import { isSitePath } from "@/lib/safe-path";
import { auth } from "@/lib/server/auth";
import { jsonError, readJsonBody } from "@/lib/server/http";
import { failureResponse } from "@/lib/server/failures";
import { clientIp } from "@/lib/server/client-ip";
import { signInLimits, spend } from "@/lib/server/rate-limits";

const handlers = () => toNextJsHandler(auth());

const sitePath = z.string().refine(isSitePath, "Must be a path on this site");
const signInRequest = z.strictObject({
  email: z.email({ error: "Enter a valid email address" }).max(254),
  callbackURL: sitePath.optional(),
  errorCallbackURL: sitePath.optional(),
});

export async function GET(request: Request) {
  try {
    return await handlers().GET(request);
  } catch (err) {
    return failureResponse(err);
  }
}

export async function POST(request: Request) {
  try {
    // Every auth POST takes a small JSON body (sign-out's is `{}`); the cap applies to all of them.
    const read = await readJsonBody(request);
    if (!read.ok) return read.response;
    let body = read.body;
    if (new URL(request.url).pathname === "/api/auth/sign-in/magic-link") {
      const parsed = signInRequest.safeParse(body);
      if (!parsed.success) return jsonError(400, "Invalid sign-in request", toFieldIssues(parsed.error.issues));
      // One address, one account, however it is capitalised (the account is the address as typed, lower-cased;
      // only the limits count +tag and dotted spellings as one mailbox).
      const email = parsed.data.email.toLowerCase();
      const limited = await spend(signInLimits(email, clientIp(request.headers)));
      if (limited) return limited;
      body = { ...parsed.data, email };
    }
    return await handlers().POST(new Request(request.url, { method: "POST", headers: request.headers, body: JSON.stringify(body) }));
  } catch (err) {
    return failureResponse(err);
  }
}
