// Text that goes into an email. Header values can never carry a line break
// (the classic header-injection hole), whatever a caller passes.
export function headerText(value: string): string {
  return value.replace(/[\r\n\0\u2028\u2029]+/g, " ").trim();
}

export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);
}

/** The domain of a sender such as "Backline <reports@example.com>" (lower case), or undefined. */
export function senderDomain(from: string): string | undefined {
  const address = /<([^<>]*)>\s*$/.exec(from)?.[1] ?? from;
  const domain = address
    .slice(address.lastIndexOf("@") + 1)
    .trim()
    .toLowerCase();
  return address.includes("@") && /^[a-z0-9-]+(\.[a-z0-9-]+)*$/.test(domain) ? domain : undefined;
}

/** An http(s) URL fit for a header (`List-Unsubscribe: <…>`): parsing drops tabs and line breaks, and `<`, `>` and spaces come out percent-encoded. */
export function headerUrl(value: string, what: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new TypeError(`${what} is not a URL`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") throw new TypeError(`${what} must be an http(s) URL`);
  const text = url.toString();
  if (/[\s<>]/.test(text)) throw new TypeError(`${what} can't be put in a header`);
  return text;
}

/** Names of the extra headers a caller may add: X-Something. */
const EXTRA_HEADER = /^X-[A-Za-z0-9][A-Za-z0-9-]{0,60}$/;

/**
 * Extra `X-` headers (X-Schedule-Id, X-Campaign-Id, …): each name checked, each
 * value through headerText; a name this module sets itself is refused.
 */
export function extraHeaders(headers: Record<string, string> | undefined, reserved: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  const taken = new Set(reserved.map((h) => h.toLowerCase()));
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (!EXTRA_HEADER.test(name)) throw new TypeError(`Header name ${JSON.stringify(name)} is not an X- header name`);
    if (taken.has(name.toLowerCase())) throw new TypeError(`Header ${name} is set by the email itself`);
    taken.add(name.toLowerCase());
    out[name] = headerText(String(value));
  }
  return out;
}
