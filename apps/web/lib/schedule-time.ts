// How schedule times read on the pages: an instant in the schedule's own zone
// ("Mon 4 May 2026, 08:00 CEST"), and a nominal local time as the wall-clock
// time it is ("Mon 4 May 2026, 08:00"). Client-safe.
const parts = { weekday: "short", day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hourCycle: "h23" } as const;

/** An ISO instant, in `timeZone`, with the zone's abbreviation. */
export function formatInZone(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat("en-GB", { ...parts, timeZone, timeZoneName: "short" }).format(new Date(iso));
}

/** "2026-05-04T08:00" (a schedule occurrence), read as the wall-clock time it names. */
export function formatLocal(occurrence: string): string {
  return new Intl.DateTimeFormat("en-GB", { ...parts, timeZone: "UTC" }).format(new Date(`${occurrence}:00Z`));
}
