import type { Metadata, Viewport } from "next";
import Link from "next/link";
import { pageActor } from "@/lib/server/session";
import { signOut } from "./sign-out-action";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Backline", template: "%s · Backline" },
  description: "Generate reports in the background and get them by email.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#1d4ed8" };

export default async function RootLayout({ children }: { children: React.ReactNode }) {
  // Reading the request also makes every page dynamic, which the per-request CSP nonce needs.
  const actor = await pageActor();
  return (
    <html lang="en">
      <body>
        <a className="skip-link" href="#main">
          Skip to content
        </a>
        <header className="site-header">
          <Link href="/" className="brand">
            <span aria-hidden="true" className="brand-mark">
              ▮▮
            </span>
            Backline
          </Link>
          {actor ? (
            <nav aria-label="Main">
              <Link href="/">New report</Link>
              <Link href="/reports">{actor.admin ? "All reports" : "My reports"}</Link>
              <Link href="/schedules">Schedules</Link>
              {actor.admin && <Link href="/campaigns">Campaigns</Link>}
              {actor.admin && <Link href="/admin">Admin</Link>}
              <Link href="/settings">Settings</Link>
              <form action={signOut} className="account">
                <span className="account-email" title={actor.email}>
                  {actor.email}
                  {actor.admin && <span className="tag">admin</span>}
                </span>
                <button type="submit" className="link-button">
                  Sign out
                </button>
              </form>
            </nav>
          ) : (
            <nav aria-label="Main">
              <Link href="/sign-in">Sign in</Link>
            </nav>
          )}
        </header>
        <main id="main" className="container">
          {children}
        </main>
      </body>
    </html>
  );
}
