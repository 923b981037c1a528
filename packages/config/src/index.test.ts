import { describe, expect, it } from "vitest";
import path from "node:path";
import {
  EnvError,
  appEnv,
  authEnv,
  databaseEnv,
  downloadLinkEnv,
  mailEnv,
  parseEnv,
  redactUrl,
  redisEnv,
  repoRoot,
  storageEnv,
  storageLocation,
  workerEnv,
} from "./index.ts";

const all = databaseEnv.extend(redisEnv.shape).extend(appEnv.shape).extend(mailEnv.shape).extend(workerEnv.shape);

describe("parseEnv", () => {
  it("fills documented defaults when nothing is set", () => {
    const env = parseEnv(all, {});
    expect(env.SMTP_URL).toBe("smtp://127.0.0.1:1025");
    expect(env.PORT).toBe(3000);
    expect(env.QUEUE_PREFIX).toBe("backline");
    expect(env.WORKER_CONCURRENCY).toBe(2);
    expect(env.REPORTS_DIR).toBe(path.join(repoRoot(), "var/reports"));
  });

  it("coerces numbers from strings", () => {
    expect(parseEnv(all, { WORKER_CONCURRENCY: "4", PORT: "8080" })).toMatchObject({ WORKER_CONCURRENCY: 4, PORT: 8080 });
  });

  it("names every bad variable in one readable message", () => {
    const bad = () => parseEnv(all, { REDIS_URL: "http://x", WORKER_CONCURRENCY: "0" });
    expect(bad).toThrow(EnvError);
    expect(bad).toThrow(/REDIS_URL: must be a redis:\/\/ or rediss:\/\/ URL.*WORKER_CONCURRENCY/);
  });

  it("resolves a relative REPORTS_DIR against the repository root, from any app folder", () => {
    const root = repoRoot();
    expect(root).not.toBe(process.cwd()); // tests run in packages/config
    expect(parseEnv(appEnv, { REPORTS_DIR: "out/pdfs" }).REPORTS_DIR).toBe(path.join(root, "out/pdfs"));
    expect(parseEnv(appEnv, { REPORTS_DIR: "/srv/pdfs" }).REPORTS_DIR).toBe("/srv/pdfs");
  });

  it("STORAGE_URL: unset is the folder REPORTS_DIR; file: is from the repository root; s3:// is a bucket and prefix", () => {
    const storage = appEnv.extend(storageEnv.shape);
    const root = repoRoot();
    expect(storageLocation(parseEnv(storage, {}))).toEqual({ kind: "file", dir: path.join(root, "var/reports") });
    expect(storageLocation(parseEnv(storage, { REPORTS_DIR: "/srv/pdfs", STORAGE_URL: "" }))).toEqual({ kind: "file", dir: "/srv/pdfs" });
    expect(storageLocation(parseEnv(storage, { STORAGE_URL: "file:./out/pdfs" }))).toEqual({ kind: "file", dir: path.join(root, "out/pdfs") });
    expect(storageLocation(parseEnv(storage, { STORAGE_URL: "file:///srv/pdfs" }))).toEqual({ kind: "file", dir: "/srv/pdfs" });
    expect(storageLocation(parseEnv(storage, { STORAGE_URL: "s3://backline/reports/pdf/" }))).toEqual({
      kind: "s3",
      bucket: "backline",
      prefix: "reports/pdf",
    });
    expect(storageLocation(parseEnv(storage, { STORAGE_URL: "s3://backline" }))).toEqual({ kind: "s3", bucket: "backline", prefix: "" });
  });

  it("a bad STORAGE_URL or S3_ENDPOINT is one line naming the setting", () => {
    for (const bad of ["/srv/pdfs", "s3://", "s3://Bad_Bucket/x", "http://bucket/x", "file:", "s3://bucket/../x"]) {
      const parse = () => parseEnv(storageEnv, { STORAGE_URL: bad });
      expect(parse).toThrow(EnvError);
      expect(parse).toThrow(/^Invalid environment — STORAGE_URL: must be file:<folder> \(e\.g\. file:\.\/var\/reports\) or s3:\/\/<bucket>\/<prefix>[^\n]*$/);
    }
    expect(() => parseEnv(storageEnv, { S3_ENDPOINT: "garage:3900" })).toThrow(/^Invalid environment — S3_ENDPOINT: must be an http:\/\/ or https:\/\/ URL$/);
  });

  it("WORKER_PROCESSES: auto by default, or a whole number", () => {
    expect(parseEnv(workerEnv, {}).WORKER_PROCESSES).toBe("auto");
    expect(parseEnv(workerEnv, { WORKER_PROCESSES: "3" }).WORKER_PROCESSES).toBe(3);
    expect(() => parseEnv(workerEnv, { WORKER_PROCESSES: "many" })).toThrow(
      /^Invalid environment — WORKER_PROCESSES: must be auto or a whole number from 1 to 64$/,
    );
    expect(() => parseEnv(workerEnv, { WORKER_PROCESSES: "0" })).toThrow(/^Invalid environment — WORKER_PROCESSES: /);
  });

  it("hides passwords in URLs it prints", () => {
    expect(redactUrl("redis://:s3cret@cache:6379")).toBe("redis://:***@cache:6379");
    expect(redactUrl("postgresql://app:pw@db/backline")).toBe("postgresql://app:***@db/backline");
    expect(redactUrl("not a url")).toBe("not a url");
  });

  it("rejects a queue prefix that could break Redis key layout", () => {
    expect(() => parseEnv(redisEnv, { QUEUE_PREFIX: "has space" })).toThrow(/QUEUE_PREFIX/);
    expect(parseEnv(redisEnv, { QUEUE_PREFIX: "{bl}:test" }).QUEUE_PREFIX).toBe("{bl}:test");
  });
});

describe("secrets", () => {
  const secrets = authEnv.extend(downloadLinkEnv.shape);
  it("refuses to start without them, naming each and how to make one", () => {
    const missing = () => parseEnv(secrets, {});
    expect(missing).toThrow(EnvError);
    expect(missing).toThrow(
      /AUTH_SECRET: AUTH_SECRET is missing: set it to at least 32 random characters \(openssl rand -base64 32\).*DOWNLOAD_LINK_SECRET: DOWNLOAD_LINK_SECRET is missing/,
    );
    expect(() => parseEnv(secrets, { AUTH_SECRET: "short", DOWNLOAD_LINK_SECRET: "x".repeat(32) })).toThrow(/AUTH_SECRET must be at least 32 characters/);
    expect(() => parseEnv(secrets, { AUTH_SECRET: "", DOWNLOAD_LINK_SECRET: "x".repeat(32) })).toThrow(/AUTH_SECRET is missing/);
    expect(() =>
      parseEnv(secrets, { AUTH_SECRET: "a".repeat(32), DOWNLOAD_LINK_SECRET: "x".repeat(32), DOWNLOAD_LINK_PREVIOUS_SECRETS: `${"c".repeat(32)},short` }),
    ).toThrow(/DOWNLOAD_LINK_PREVIOUS_SECRETS: each old secret must be at least 32 characters/);
  });

  it("takes them, with admin addresses and previous link secrets as lists", () => {
    const env = parseEnv(secrets, {
      AUTH_SECRET: "a".repeat(32),
      DOWNLOAD_LINK_SECRET: "b".repeat(32),
      ADMIN_EMAILS: " Boss@Example.com, ops@example.com ,",
      DOWNLOAD_LINK_PREVIOUS_SECRETS: "c".repeat(32),
    });
    expect(env.ADMIN_EMAILS).toEqual(["boss@example.com", "ops@example.com"]);
    expect(env.DOWNLOAD_LINK_PREVIOUS_SECRETS).toEqual(["c".repeat(32)]);
    expect(env.DOWNLOAD_LINK_TTL_HOURS).toBe(168);
  });
});
