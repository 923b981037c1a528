import type { Metadata, Viewport } from "next";
import Link from "next/link";
import "./globals.css";

export const metadata: Metadata = {
  title: { default: "Backline", template: "%s · Backline" },
  description: "Generate reports in the background and get them by email.",
};

export const viewport: Viewport = { width: "device-width", initialScale: 1, themeColor: "#1d4ed8" };

export default function RootLayout({ children }: { children: React.ReactNode }) {
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
          <nav aria-label="Main">
            <Link href="/">New report</Link>
            <Link href="/reports">My reports</Link>
          </nav>
        </header>
        <main id="main" className="container">
          {children}
        </main>
      </body>
    </html>
  );
}
