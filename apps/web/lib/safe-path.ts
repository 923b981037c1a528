// Where to go after signing in: only a path on this site (never `//host` or a
// full URL), so a crafted sign-in link can't send someone elsewhere.
export function isSitePath(value: unknown): value is string {
  return typeof value === "string" && value.length <= 2048 && /^\/(?![/\\])[^\s]*$/.test(value);
}

/** The sign-in page, coming back to `next` afterwards. */
export const signInPath = (next: string) => `/sign-in?next=${encodeURIComponent(next)}`;

export function safeNextPath(value: unknown, fallback = "/"): string {
  return isSitePath(value) ? value : fallback;
}
