// The OpenAPI document against real tools and the real routes: Redocly's CLI
// lints it clean; every documented operation is sent its documented example
// (through the route handlers, on a scratch database) and every answer's status
// must be documented and its JSON body valid against the document's schema
// (Ajv, JSON Schema 2020-12 as OpenAPI 3.1 uses it); every API route file is
// documented; the typed client's generated types are up to date.
import { spawnSync } from "node:child_process";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { seedDemoData } from "@backline/db";
import { Ajv2020 } from "ajv/dist/2020.js";
import addFormats from "ajv-formats";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CLIENT_TYPES_FILE, generateClientTypes } from "../tools/api-client.ts";
import { startWebApp, type WebApp } from "./web-app.ts";

type Doc = { paths: Record<string, Record<string, Operation>> };
type Operation = {
  operationId: string;
  requestBody?: { content: Record<string, { example?: unknown }> };
  responses: Record<string, { content?: Record<string, unknown> }>;
  security?: Record<string, string[]>[];
};

let app: WebApp;
let doc: Doc;
let admin: string;
const ids: Record<string, string> = {};

beforeAll(async () => {
  app = await startWebApp({ ADMIN_EMAILS: "boss@example.com", WEBHOOK_ALLOWED_HOSTS: "example.com", REPORTS_PER_USER_PER_MINUTE: "100" });
  await seedDemoData(app.db, { customers: 5, orders: 50 });
  admin = await app.signIn("boss@example.com");
  const response = await app.fetch("/api/openapi.json");
  expect(response.status).toBe(200);
  doc = await response.json();
  // The ids the examples' paths name: a report still queued, a finished (cancelled) one whose stream ends.
  const post = async (p: string, json: unknown) => (await (await app.fetch(p, { method: "POST", cookie: admin, json })).json()) as { id: string };
  ids.report = (await post("/api/reports", { type: "sales-summary" })).id;
  ids.finished = (await post("/api/reports", { type: "sales-summary" })).id;
  await app.fetch(`/api/reports/${ids.finished}/cancel`, { method: "POST", cookie: admin });
});
afterAll(() => app?.close());

const ORDER = ["post", "get", "patch", "delete"];
const REPEAT_LAST = /\/(cancel|retry|revoke|resend)$|\{command\}$/;

describe("the OpenAPI document", () => {
  it("lints clean with Redocly's CLI (recommended rules)", () => {
    const file = path.join(os.tmpdir(), `backline-openapi-${process.pid}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const bin = path.join(import.meta.dirname, "../../../node_modules/.bin/redocly");
    const run = spawnSync(bin, ["lint", file, "--config", path.join(import.meta.dirname, "../redocly.yaml"), "--format", "stylish"], { encoding: "utf8" });
    expect(run.status, run.stdout + run.stderr).toBe(0);
    expect(run.stdout + run.stderr).toMatch(/Your API description is valid/);
    expect(run.stdout + run.stderr).not.toMatch(/\d+ warnings?\b/);
  });

  it("documents every route of reports, schedules, campaigns, customers, tokens, webhooks, settings, health, readiness and metrics", () => {
    const apiDir = path.join(import.meta.dirname, "../app/api");
    const files = readdirSync(apiDir, { recursive: true, encoding: "utf8" })
      .map((f) => f.split(path.sep).join("/"))
      .filter((f) => f.endsWith("/route.ts") && /^(reports|schedules|campaigns|customers|tokens|webhooks|settings|health|ready|metrics)\b/.test(f));
    const documented = Object.keys(doc.paths).map((p) => p.replace(/\{[^}]+\}/g, "[x]"));
    for (const file of files) {
      const route = `/api/${file.replace(/\/route\.ts$/, "")}`.replace(/\[[^\]]+\]/g, "[x]");
      expect(documented, file).toContain(route);
    }
  });

  it("answers every documented example with a documented status and a body valid against its schema", async () => {
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateSchema: false });
    addFormats.default(ajv);
    ajv.addSchema(doc, "doc");
    const operations = Object.entries(doc.paths)
      .flatMap(([p, item]) => Object.entries(item).map(([method, operation]) => ({ path: p, method, operation })))
      .filter((o) => ORDER.includes(o.method))
      .sort((a, b) => Number(REPEAT_LAST.test(a.path)) - Number(REPEAT_LAST.test(b.path)) || ORDER.indexOf(a.method) - ORDER.indexOf(b.method));
    const seen: string[] = [];
    for (const { path: template, method, operation } of operations) {
      const url = template.replace("{id}", idFor(template)).replace("{deliveryId}", "0190a0a0-0000-7000-8000-000000000000").replace("{command}", "pause");
      const example = operation.requestBody?.content["application/json"]?.example;
      const open = operation.security?.length === 0;
      const response = await app.fetch(url, {
        method: method.toUpperCase(),
        ...(open ? {} : { cookie: admin }),
        ...(example === undefined ? {} : { json: example }),
      });
      const status = String(response.status);
      const label = `${method.toUpperCase()} ${url} → ${status}`;
      expect(Object.keys(operation.responses), label).toContain(status);
      const type = (response.headers.get("content-type") ?? "").split(";")[0]!;
      if (type === "application/json") {
        const body = await response.json();
        const pointer = `doc#/paths/${template.replaceAll("~", "~0").replaceAll("/", "~1")}/${method}/responses/${status}/content/application~1json/schema`;
        const validate = ajv.compile({ $ref: pointer });
        expect(validate(body), `${label}: ${JSON.stringify(validate.errors)} in ${JSON.stringify(body).slice(0, 500)}`).toBe(true);
        // What later examples' paths name: the schedule, campaign, token or webhook this one made.
        const area = /^\/api\/(\w+)$/.exec(template)?.[1];
        if (method === "post" && area && response.ok && typeof body.id === "string") ids[area] = body.id;
      } else {
        expect(Object.keys(operation.responses[status]?.content ?? { "": 1 }), label).toContain(type || "");
        await response.body?.cancel();
      }
      seen.push(label);
    }
    expect(seen.length).toBeGreaterThanOrEqual(30);
    // The operations that create things did: their examples are valid requests.
    expect(seen.filter((l) => / → 20[12]$/.test(l) && l.startsWith("POST")).length).toBeGreaterThanOrEqual(6);
  });
  it("answers the documented multipart campaign upload as documented", async () => {
    const form = new FormData();
    form.set("type", "customer-statement");
    form.set("params", JSON.stringify({ month: "2026-11" }));
    form.set("file", new File(["1\n2\n"], "recipients.csv", { type: "text/csv" }));
    const response = await app.fetch("/api/campaigns", { method: "POST", cookie: admin, body: form });
    expect(response.status).toBe(202);
    const ajv = new Ajv2020({ strict: false, validateSchema: false });
    addFormats.default(ajv);
    ajv.addSchema(doc, "doc");
    const validate = ajv.compile({ $ref: "doc#/paths/~1api~1campaigns/post/responses/202/content/application~1json/schema" });
    expect(validate(await response.json()), JSON.stringify(validate.errors)).toBe(true);
  });
});

describe("the typed client", () => {
  it("is generated from this document (run `npm run -w @backline/web api:client` after changing the API)", async () => {
    expect(await generateClientTypes()).toBe(readFileSync(CLIENT_TYPES_FILE, "utf8"));
  });
});

/** The id an example's path names: the newest thing of its kind (made by an earlier example), or a report made above. */
function idFor(template: string): string {
  if (template.startsWith("/api/reports/{id}/events")) return ids.finished!;
  if (template.startsWith("/api/reports/")) return ids.report!;
  return ids[template.split("/")[2]!] ?? "0190a0a0-0000-7000-8000-000000000000";
}
