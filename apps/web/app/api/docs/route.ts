// GET /api/docs — the interactive API reference: Scalar's self-hosted bundle
// (/api/docs/scalar.js, from node_modules; nothing from a CDN) rendering
// /api/openapi.json. The page sets its own CSP (proxy.ts leaves it alone): its
// one inline script runs by nonce, the bundle by 'self'; Scalar styles inline,
// and talks only to this site (the "try it" client included).
export const dynamic = "force-dynamic";

export function GET() {
  const nonce = Buffer.from(crypto.randomUUID()).toString("base64");
  const html = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Backline API reference</title>
</head>
<body>
<noscript>This reference needs JavaScript. The document itself is at <a href="/api/openapi.json">/api/openapi.json</a>.</noscript>
<div id="app"></div>
<script src="/api/docs/scalar.js" nonce="${nonce}"></script>
<script nonce="${nonce}">
Scalar.createApiReference("#app", { url: "/api/openapi.json", withDefaultFonts: false, hideClientButton: false, telemetry: false, agent: { disabled: true }, mcp: { disabled: true } });
</script>
</body>
</html>`;
  const csp = [
    "default-src 'none'",
    `script-src 'self' 'nonce-${nonce}'`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
  return new Response(html, { headers: { "Content-Type": "text/html; charset=utf-8", "Content-Security-Policy": csp, "Cache-Control": "no-store" } });
}
