// Webhooks end to end on real Postgres and Redis: a report sent by a worker in
// this process reaches a receiver started here as `report.sent` exactly once,
// signed so the standardwebhooks verifier accepts it, with data.report as the
// API shows it; a receiver answering 500 twice gets the same event (same
// webhook-id, same body) on the third try; one answering 410 is given up on
// after one attempt; each attempt is recorded. And report preferences: an
// A4, de-DE owner's PDF is A4 (pdfinfo) with German number formatting.
import { execFileSync } from "node:child_process";
import { createServer, type IncomingHttpHeaders, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import path from "node:path";
import { createReport, ensureUser, type PrismaClient } from "@backline/db";
import { createMailTransport } from "@backline/mail";
import { enqueue } from "@backline/queue";
import { TEST_SECRETS, pdfText, testWorkerSettings, waitUntil } from "@backline/test-kit";
import { newWebhookSecret, sealWebhookSecret } from "@backline/webhooks";
import type { Queue } from "bullmq";
import { pino } from "pino";
import { Webhook } from "standardwebhooks";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWebhookWorker } from "../src/webhook-worker.ts";
import { APP_URL, REDIS_URL, createHarness, type Harness } from "./harness.ts";

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

let h: Harness;
let db: PrismaClient;
let queue: Queue;
let server: Server;
let base: string;
/** What each path answers, in turn (the last answer repeats), and what it received. */
const script = new Map<string, number[]>();
const received = new Map<string, Received[]>();

beforeAll(async () => {
  h = await createHarness({ customers: 20, orders: 400 });
  db = h.db;
  const stack = h.stack("webhooks");
  queue = stack.queue;
  await h.startWorker(stack.prefix, 1);
  const webhooks = await startWebhookWorker({
    redisUrl: REDIS_URL,
    prefix: stack.prefix,
    db,
    mail: createMailTransport(h.smtp.url),
    log: pino({ level: "silent" }),
    env: testWorkerSettings(h.reportsDir, APP_URL),
    settings: { allowedHosts: ["127.0.0.1"], timeoutMs: 5000, retryBaseMs: 200, disableAfterMs: 24 * 3_600_000 },
    pollMs: 100,
  });
  h.onClose(() => webhooks.close());
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (chunk) => (body += chunk));
    req.on("end", () => {
      const got = received.get(req.url!) ?? [];
      got.push({ headers: req.headers, body });
      received.set(req.url!, got);
      const answers = script.get(req.url!) ?? [200];
      res.writeHead(answers[Math.min(got.length - 1, answers.length - 1)]!).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((resolve) => server?.close(resolve));
  await h?.close();
});

/** A user with one webhook at `path` (answering `answers` in turn); its secret. */
async function receiver(email: string, pathName: string, answers: number[], events = ["report.sent", "report.failed"]) {
  const user = await ensureUser(db, email);
  const id = crypto.randomUUID();
  const secret = newWebhookSecret();
  script.set(pathName, answers);
  await db.webhookEndpoint.create({
    data: { id, userId: user.id, url: `${base}${pathName}`, events, sealedSecret: sealWebhookSecret(secret, id, TEST_SECRETS.AUTH_SECRET) },
  });
  return { user, id, secret };
}

async function report(owner: { id: string; email: string }, params: object = { groupBy: "month" }) {
  const created = await createReport(db, { type: "sales-summary", params, owner });
  await enqueue(queue, "generate-report", { reportId: created.id }, { jobId: created.id });
  return created;
}

const settled = (endpointId: string) =>
  waitUntil(
    async () => {
      const m = await db.webhookMessage.findFirst({ where: { endpointId }, include: { attempts: { orderBy: { id: "asc" } } } });
      return m && m.status !== "pending" ? m : null;
    },
    { what: "the webhook message to be delivered or given up", timeoutMs: 90_000 },
  );

describe("webhooks", () => {
  it("deliver report.sent once, signed, with the report as the API shows it", async () => {
    const { user, id, secret } = await receiver("hook-ana@example.com", "/ana", [204]);
    const sent = await report(user);
    const message = await settled(id);
    expect(message).toMatchObject({ type: "report.sent", subjectId: sent.id, status: "delivered" });
    expect(message.attempts.map((a) => a.statusCode)).toEqual([204]);
    const got = received.get("/ana")!;
    expect(got).toHaveLength(1);
    const payload = new Webhook(secret).verify(got[0]!.body, got[0]!.headers as Record<string, string>) as { type: string; data: { report: object } };
    expect(got[0]!.headers["webhook-id"]).toBe(message.id);
    expect(payload.type).toBe("report.sent");
    expect(payload.data.report).toMatchObject({
      id: sent.id,
      type: "sales-summary",
      status: "sent",
      progress: 100,
      downloadUrl: `/reports/${sent.id}/download`,
    });
    // Exactly one message for the one event: the outbox is keyed by report, attempt and outcome.
    expect(await db.webhookMessage.count({ where: { endpointId: id } })).toBe(1);
    expect((await db.report.findUniqueOrThrow({ where: { id: sent.id } })).status).toBe("sent");
  });

  it("retry a receiver answering 500 twice: the third try gets the same webhook-id and body", async () => {
    const { user, id, secret } = await receiver("hook-ben@example.com", "/ben", [500, 500, 200]);
    await report(user);
    const message = await settled(id);
    expect(message.status).toBe("delivered");
    expect(message.attempts.map((a) => a.statusCode)).toEqual([500, 500, 200]);
    const got = received.get("/ben")!;
    expect(got).toHaveLength(3);
    expect(new Set(got.map((g) => g.headers["webhook-id"]))).toEqual(new Set([message.id]));
    expect(new Set(got.map((g) => g.body)).size).toBe(1);
    for (const g of got) expect(() => new Webhook(secret).verify(g.body, g.headers as Record<string, string>)).not.toThrow();
    expect((await db.webhookEndpoint.findUniqueOrThrow({ where: { id } })).failingSince).toBeNull();
  });

  it("give up at once on a receiver that refuses with a 4xx, recording the attempt", async () => {
    const { user, id } = await receiver("hook-cy@example.com", "/cy", [410]);
    await report(user);
    const message = await settled(id);
    expect(message.status).toBe("failed");
    expect(message.attempts.map((a) => a.statusCode)).toEqual([410]);
    expect(received.get("/cy")).toHaveLength(1);
    expect((await db.webhookEndpoint.findUniqueOrThrow({ where: { id } })).failingSince).not.toBeNull();
  });
});

describe("report preferences", () => {
  it("print an A4, de-DE owner's report on A4 with German number formatting", async () => {
    const owner = await ensureUser(db, "greta@example.com");
    await db.user.update({ where: { id: owner.id }, data: { paperSize: "A4", locale: "de-DE" } });
    const created = await report(owner);
    const done = await waitUntil(
      async () => {
        const r = await db.report.findUniqueOrThrow({ where: { id: created.id } });
        return r.status === "sent" || r.status === "failed" ? r : null;
      },
      { what: "the report to be sent", timeoutMs: 90_000 },
    );
    expect(done.status).toBe("sent");
    const file = path.join(h.reportsDir, done.filePath!);
    expect(execFileSync("pdfinfo", [file], { encoding: "utf8" })).toMatch(/Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)/);
    const { text } = await pdfText(new Uint8Array(await import("node:fs/promises").then((fs) => fs.readFile(file))));
    // German grouping and decimals: 1.234,56 — and no US-style 1,234.56.
    expect(text).toMatch(/\d{1,3}(\.\d{3})+,\d{2}/);
    expect(text).not.toMatch(/\d{1,3}(,\d{3})+\.\d{2}/);
  });
});
