// Who may sign in, in one place. sendMagicLink (auth.ts) asks before any email
// is queued, and Better Auth's database hooks ask again before an account or a
// session is created, so a link emailed before a removal doesn't sign anyone in.
// Someone refused gets the same "check your inbox" answer as anyone else.
//
// In order:
// 1. ADMIN_EMAILS may always sign in.
// 2. A removed account may not (until an admin invites the address again).
// 3. An existing account may.
// 4. An invited address may, whatever its domain.
// 5. An address at one of ALLOWED_EMAIL_DOMAINS may.
// 6. Anyone may when sign-up is open: ALLOW_OPEN_SIGN_UP=true, or (unset, and no
//    ALLOWED_EMAIL_DOMAINS) on a local APP_URL, which keeps `npm run up` easy.
//    Elsewhere an unset policy refuses to start (instrumentation-node.ts) and,
//    should it run anyway, is closed.
import "server-only";
import { openSignUp } from "@backline/config";
import { db } from "./db";
import { webEnv } from "./env";

type SignInDecision = { allowed: true; reason: "admin" | "existing" | "invited" | "domain" | "open" } | { allowed: false; reason: "removed" | "not-allowed" };

export const isAdminEmail = (email: string) => webEnv().ADMIN_EMAILS.includes(email.toLowerCase());

/** The domain part of an address, lower-cased. */
const domainOf = (email: string) => email.slice(email.lastIndexOf("@") + 1).toLowerCase();

/** May this address sign in (and, if it has no account yet, get one)? */
async function signInDecision(rawEmail: string): Promise<SignInDecision> {
  const email = rawEmail.toLowerCase();
  const env = webEnv();
  if (env.ADMIN_EMAILS.includes(email)) return { allowed: true, reason: "admin" };
  const [user, invitation] = await Promise.all([
    db().user.findUnique({ where: { email }, select: { removedAt: true } }),
    db().invitation.findUnique({ where: { email }, select: { id: true } }),
  ]);
  if (user?.removedAt) return { allowed: false, reason: "removed" };
  if (user) return { allowed: true, reason: "existing" };
  if (invitation) return { allowed: true, reason: "invited" };
  if (env.ALLOWED_EMAIL_DOMAINS.includes(domainOf(email))) return { allowed: true, reason: "domain" };
  if (openSignUp(env)) return { allowed: true, reason: "open" };
  return { allowed: false, reason: "not-allowed" };
}

export async function maySignIn(email: string): Promise<boolean> {
  return (await signInDecision(email)).allowed;
}
