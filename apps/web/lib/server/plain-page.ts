// The small HTML pages route handlers answer with (a bad download link, an
// unsubscribe confirmation): inline styles only, so their CSP allows exactly
// that, and no script. Text reaches them escaped.
import "server-only";
import { escapeHtml } from "@backline/mail/text";

/** The CSP of these pages (proxy.ts leaves their routes' own header alone). */
export const PLAIN_PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const STYLE =
  "body{font-family:system-ui,sans-serif;color:#1f2937;background:#f6f7f9;margin:0;padding:48px 16px}main{max-width:520px;margin:0 auto;background:#fff;border:1px solid #e5e7eb;border-radius:12px;padding:28px}h1{font-size:1.4rem;margin:0 0 12px}button{font:inherit;background:#1d4ed8;color:#fff;border:0;border-radius:8px;padding:10px 18px;cursor:pointer}button:focus-visible{outline:3px solid #93c5fd;outline-offset:2px}.hint{color:#4b5563;font-size:.9rem}a{color:#1d4ed8}@media (prefers-color-scheme:dark){body{background:#111827;color:#e5e7eb}main{background:#1f2937;border-color:#374151}.hint{color:#9ca3af}a{color:#93c5fd}}";

/** `title` and `message` are text; `actionsHtml` is markup the caller built (its values escaped). */
export function plainPage(status: number, title: string, message: string, actionsHtml = `<p><a href="/">Go to Backline</a></p>`): Response {
  const html = `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeHtml(title)} · Backline</title>
<style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p>${actionsHtml}</main></body></html>`;
  return new Response(html, {
    status,
    headers: { "Content-Type": "text/html; charset=utf-8", "Cache-Control": "no-store", "Content-Security-Policy": PLAIN_PAGE_CSP },
  });
}
