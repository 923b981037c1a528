// Better Auth's endpoints: /api/auth/sign-in/magic-link, /magic-link/verify,
// /get-session, /sign-out. Bodies are read here first, within MAX_BODY_BYTES;
// asking for a sign-in link is validated strictly and limited per mailbox, per
// domain, per client network and in all (each request may send an email; see
// signInLimits in rate-limits.ts). Any other POST (sign-out above all) is taken
// to change the caller's sessions: every web process forgets what it remembered
// of them (actor-cache.ts).
import { toNextJsHandler } from "better-auth/next-js";
import { toFieldIssues } from "@backline/config";
import { z } from "zod";
import { isSitePath } from "@/lib/safe-path";
import { auth } from "@/lib/server/auth";
import { jsonError, readJsonBody } from "@/lib/server/http";
import { failureResponse } from "@/lib/server/failures";
import { clientIp } from "@/lib/server/client-ip";
import { signInLimits, spend } from "@/lib/server/rate-limits";
import { forgetUser } from "@/lib/server/actor-cache";
import { actorFrom } from "@/lib/server/session";

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
    const askingForLink = new URL(request.url).pathname === "/api/auth/sign-in/magic-link";
    if (askingForLink) {
      const parsed = signInRequest.safeParse(body);
      if (!parsed.success) return jsonError(400, "Invalid sign-in request", toFieldIssues(parsed.error.issues));
      // One address, one account, however it is capitalised (the account is the address as typed, lower-cased;
      // only the limits count +tag and dotted spellings as one mailbox).
      const email = parsed.data.email.toLowerCase();
      const limited = await spend(signInLimits(email, clientIp(request.headers)));
      if (limited) return limited;
      body = { ...parsed.data, email };
    }
    // Sign-out and Better Auth's other session endpoints end sessions: whoever this is, every web process
    // forgets what it remembered of their sessions (actor-cache.ts) once the endpoint has done its work.
    const before = askingForLink ? null : await actorFrom(request.headers);
    const response = await handlers().POST(new Request(request.url, { method: "POST", headers: request.headers, body: JSON.stringify(body) }));
    if (before && response.status < 400) await forgetUser(before.userId);
    return response;
  } catch (err) {
    return failureResponse(err);
  }
}
