// A failure nobody planned for says what it is: a backing service that is down
// (told by the error's type or code, on a real Prisma client) is a 503 naming
// the setting; anything else is a bug — a 500 whose request id is in the answer
// and in the log line with the stack.
import { createPrismaClient } from "@backline/db";
import { afterAll, describe, expect, it } from "vitest";
import { failureResponse } from "../lib/server/failures.ts";

const down = createPrismaClient("postgresql://postgres@127.0.0.1:1/backline");
const up = createPrismaClient(process.env.DATABASE_URL ?? "postgresql://postgres@127.0.0.1:5432/postgres");
afterAll(async () => {
  await down.$disconnect();
  await up.$disconnect();
});

/** The JSON lines the web's logger writes while `fn` runs. */
function logLines(fn: () => Response): { response: Response; lines: Record<string, unknown>[] } {
  const lines: Record<string, unknown>[] = [];
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split("\n").filter(Boolean)) lines.push(JSON.parse(line));
    return true;
  }) as typeof process.stdout.write;
  try {
    return { response: fn(), lines };
  } finally {
    process.stdout.write = write;
  }
}

describe("failureResponse", () => {
  it("answers a database that is down with 503 naming DATABASE_URL (a raw query and a model query alike)", async () => {
    for (const query of [() => down.$queryRaw`select 1`, () => down.user.findFirst()]) {
      const err = await query().catch((e: unknown) => e);
      const { response } = logLines(() => failureResponse(new Error("Session lookup failed", { cause: err })));
      expect(response.status).toBe(503);
      expect(await response.json()).toEqual({ error: "The database is unavailable; check DATABASE_URL", issues: [] });
    }
  });

  it("answers a programming error with 500 and a request id, logged with the stack under that id", async () => {
    // Its message even talks of a database: the wording decides nothing.
    const { response, lines } = logLines(() => failureResponse(new TypeError("Cannot read properties of undefined (reading 'database')")));
    expect(response.status).toBe(500);
    const requestId = response.headers.get("x-request-id");
    expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
    expect((await response.json()).error).toContain(requestId);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 50, name: "backline-web", requestId, err: { type: "TypeError" } });
    expect((lines[0]!.err as { stack: string }).stack).toMatch(/^TypeError: Cannot read properties/);
  });

  it("treats a query the database refused (a bad column) as our bug, not an outage", async () => {
    const err = await up.$queryRaw`select no_such_column from pg_database`.catch((e: unknown) => e);
    const { response } = logLines(() => failureResponse(err));
    expect(response.status).toBe(500);
  });
});
