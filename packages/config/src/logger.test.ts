import { Writable } from "node:stream";
import { describe, expect, it } from "vitest";
import { createLogger } from "./logger.ts";

function capture() {
  const lines: Record<string, unknown>[] = [];
  const stream = new Writable({
    write(chunk, _enc, done) {
      lines.push(JSON.parse(String(chunk)));
      done();
    },
  });
  return { lines, stream };
}

describe("createLogger", () => {
  it("redacts addresses, secrets, tokens, cookies and links, at the top level and one object down; keeps ids", () => {
    const { lines, stream } = capture();
    const log = createLogger("test", stream);
    log.info(
      {
        reportId: "0193a7c2-5b7e-7c3a-9d1e-3f5a2b1c4d6e",
        requestId: "req-1",
        email: "ana@example.com",
        to: "ben@example.com",
        token: "bl_secret",
        report: { ownerEmail: "ana@example.com", downloadUrl: "https://x/reports/1/download?sig=abc", status: "sent" },
        req: { headers: { cookie: "session=1", authorization: "Bearer abc" } },
      },
      "report sent",
    );
    const [line] = lines;
    expect(line).toMatchObject({
      name: "test",
      msg: "report sent",
      reportId: "0193a7c2-5b7e-7c3a-9d1e-3f5a2b1c4d6e",
      requestId: "req-1",
      email: "[Redacted]",
      to: "[Redacted]",
      token: "[Redacted]",
      report: { ownerEmail: "[Redacted]", downloadUrl: "[Redacted]", status: "sent" },
      req: { headers: { cookie: "[Redacted]", authorization: "[Redacted]" } },
    });
    expect(JSON.stringify(line)).not.toMatch(/example\.com|bl_secret|sig=abc|session=1/);
  });
});
