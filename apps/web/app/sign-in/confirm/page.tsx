// Where the emailed sign-in link lands. Opening it changes nothing: mail
// scanners (Outlook Safe Links and the like) open every link in a message, and
// a GET that used up the single-use token would leave the person a dead link.
// The button POSTs the token to /sign-in/verify, which signs in.
import type { Metadata } from "next";
import Link from "next/link";
import { isSitePath, safeNextPath, signInPath } from "@/lib/safe-path";
import { pendingSignInEmail } from "@/lib/server/auth";

export const metadata: Metadata = { title: "Confirm sign-in", robots: { index: false, follow: false } };
export const dynamic = "force-dynamic";

interface Props {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}

export default async function ConfirmSignInPage(props: Props) {
  const search = await props.searchParams;
  const token = typeof search.token === "string" ? search.token : "";
  const callbackURL = safeNextPath(search.callbackURL);
  const errorCallbackURL = isSitePath(search.errorCallbackURL) ? search.errorCallbackURL : signInPath(callbackURL);
  const email = token ? await pendingSignInEmail(token) : null;

  if (!email) {
    return (
      <>
        <h1>This sign-in link no longer works</h1>
        <p className="lede">It has expired or was already used. Links work once, for a few minutes.</p>
        <Link className="button" href={signInPath(callbackURL)}>
          Ask for a new link
        </Link>
      </>
    );
  }

  return (
    <>
      <h1>Sign in to Backline</h1>
      <p className="lede">You opened a sign-in link. Press the button to finish signing in on this device.</p>
      <form className="card stack" method="post" action="/sign-in/verify">
        <input type="hidden" name="token" value={token} />
        <input type="hidden" name="callbackURL" value={callbackURL} />
        <input type="hidden" name="errorCallbackURL" value={errorCallbackURL} />
        <p>
          Signing in as <strong>{email}</strong>.
        </p>
        <div className="actions">
          <button className="button" type="submit">
            Sign in as {email}
          </button>
          <Link href={signInPath(callbackURL)}>Not you? Use another address</Link>
        </div>
      </form>
    </>
  );
}
