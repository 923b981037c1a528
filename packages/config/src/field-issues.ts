// How a zod failure is told, said once: as `{path, message}` items for a 4xx
// JSON body (`issues`), or as one line for a log, an error or a page. Every
// caller — API routes, the report service, the job producer, the worker, the
// env parser — formats through here. Client-safe (zod only).
import type { z } from "zod";

export interface FieldIssue {
  /** Dotted path of the field ("params.to"), or a header's name; "" for the input as a whole. */
  path: string;
  message: string;
}

/** An unknown field is named by its own path ("params.colour: Unknown field"), not its parent's. */
export function toFieldIssues(issues: readonly z.core.$ZodIssue[], prefix: readonly string[] = []): FieldIssue[] {
  return issues.flatMap((i) =>
    i.code === "unrecognized_keys"
      ? i.keys.map((key) => ({ path: [...prefix, ...i.path.map(String), key].join("."), message: "Unknown field" }))
      : [{ path: [...prefix, ...i.path.map(String)].join("."), message: i.message }],
  );
}

/** "to: End date must be on or after the start date; region: …" */
export function issuesLine(issues: readonly FieldIssue[]): string {
  return issues.map((i) => (i.path ? `${i.path}: ${i.message}` : i.message)).join("; ");
}

/** A zod failure as one line (issuesLine of toFieldIssues). */
export const describeIssues = (issues: readonly z.core.$ZodIssue[], prefix: readonly string[] = []): string => issuesLine(toFieldIssues(issues, prefix));
