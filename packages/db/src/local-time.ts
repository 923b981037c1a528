// Nominal local times — a schedule occurrence's wall-clock time in its zone —
// are `timestamp without time zone` columns. They come back as Dates whose UTC
// fields are the wall-clock fields, and go in as their text (a Date would be
// converted through the session's time zone). Client-safe.

/** "2026-03-29T02:30": how a nominal local time is written in the API and pages (no offset: it is a wall-clock time). */
export const formatLocalTime = (local: Date) => local.toISOString().slice(0, 16);

/** "2026-03-29T02:30:00", for a `::timestamp` parameter. */
export const localTimeParam = (local: Date) => local.toISOString().slice(0, 19);
