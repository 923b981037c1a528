// A moment as "2026-11-22 10:34 UTC": the same on the server and in every browser.
export function UtcTime({ at }: { at: Date }) {
  const iso = at.toISOString();
  return <time dateTime={iso}>{iso.slice(0, 16).replace("T", " ")} UTC</time>;
}
