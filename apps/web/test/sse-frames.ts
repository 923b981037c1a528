// Server-Sent Events as a test reads them off a streaming response: complete
// frames out of the text so far, comments skipped, `data` parsed as JSON.
export type Frame = { event: string; id?: string; data: unknown };

/** The frames complete in `buffer` (appended to `into`), and the unfinished rest to keep for the next chunk. */
export function takeFrames(buffer: string, into: Frame[]): string {
  let end: number;
  let rest = buffer;
  while ((end = rest.indexOf("\n\n")) >= 0) {
    const block = rest.slice(0, end);
    rest = rest.slice(end + 2);
    const lines = block.split("\n").filter((l) => l && !l.startsWith(":"));
    const fields = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(":")), l.slice(l.indexOf(":") + 1).trim()]));
    if (fields.data !== undefined) into.push({ event: fields.event ?? "message", id: fields.id, data: JSON.parse(fields.data) });
  }
  return rest;
}
