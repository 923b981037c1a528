// The in-process route table of web-app.ts is read from apps/web/app: every
// route file must be in it, be the one its own path reaches, and load as a
// module with at least one HTTP method handler. A route the table can't load
// would otherwise be silently untested.
import { readdirSync } from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { appRoutes, matchRoute } from "./web-app.ts";

const APP_DIR = path.join(import.meta.dirname, "../app");
const METHODS = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"];

const routeFiles = readdirSync(APP_DIR, { recursive: true, encoding: "utf8" })
  .map((f) => f.split(path.sep).join("/"))
  .filter((f) => f === "route.ts" || f.endsWith("/route.ts"));

/** A path that reaches this route file: each dynamic segment filled in (a catch-all with two segments). */
const samplePath = (file: string) =>
  `/${file
    .split("/")
    .slice(0, -1)
    .filter((segment) => !/^\(.+\)$/.test(segment))
    .map((segment) => segment.replace(/^\[\[?\.\.\.[^\]]+\]\]?$/, "one/two").replace(/^\[[^\]]+\]$/, "some-id"))
    .join("/")}`;

describe("the in-process route table", () => {
  it("finds the route files (a sanity check of the walk)", () => {
    expect(routeFiles.length).toBeGreaterThan(5);
    expect(routeFiles).toContain("api/reports/route.ts");
  });

  const table = appRoutes();
  it.each(routeFiles)("loads %s and routes its own path to it", async (file) => {
    expect(table.map((r) => r.file)).toContain(file);
    const match = matchRoute(samplePath(file), table);
    expect(match?.route.file, `the route for ${samplePath(file)}`).toBe(file);
    const module = await match!.route.load();
    const handlers = METHODS.filter((method) => typeof module[method] === "function");
    expect(handlers, `HTTP method handlers exported by ${file}`).not.toEqual([]);
  });

  it("passes params as Next does: a segment as a string, a catch-all as its segments", () => {
    expect(matchRoute("/api/reports/abc/cancel", table)?.params).toEqual({ id: "abc" });
    expect(matchRoute("/api/auth/sign-in/magic-link", table)?.params).toEqual({ all: ["sign-in", "magic-link"] });
    expect(matchRoute("/no/such/route", table)).toBeNull();
  });
});
