import type { Metadata } from "next";
import { redirect } from "next/navigation";
import { SignInForm } from "@/components/sign-in-form";
import { safeNextPath } from "@/lib/safe-path";
import { webEnv } from "@/lib/server/env";
import { pageActor } from "@/lib/server/session";

export const metadata: Metadata = { title: "Sign in" };

// A Map, not an object: `?error=__proto__` must not find Object.prototype.
const LINK_ERRORS = new Map([
  ["INVALID_TOKEN", "That sign-in link has expired or was already used. Ask for a new one below."],
  ["EXPIRED_TOKEN", "That sign-in link has expired. Ask for a new one below."],
]);

export default async function SignInPage(props: PageProps<"/sign-in">) {
  const search = await props.searchParams;
  const next = safeNextPath(search.next);
  if (await pageActor()) redirect(next);
  const error = typeof search.error === "string" ? (LINK_ERRORS.get(search.error) ?? "That sign-in link didn't work. Ask for a new one below.") : null;
  return (
    <>
      <h1>Sign in to Backline</h1>
      <p className="lede">No password: we email you a link that signs you in. Your reports are emailed to the same address.</p>
      <SignInForm next={next} linkMinutes={webEnv().SIGN_IN_LINK_TTL_MINUTES} linkError={error} />
    </>
  );
}
