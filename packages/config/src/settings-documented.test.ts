// Every setting a schema reads is documented where people look for it — a row in
// README's Configuration table and a line in .env.example — and .env.example,
// copied to .env unchanged, means exactly the defaults (so it can't drift from them).
import { readFileSync } from "node:fs";
import path from "node:path";
import { parse } from "dotenv";
import { describe, expect, it } from "vitest";
import {
  appEnv,
  authEnv,
  campaignsEnv,
  databaseEnv,
  downloadLinkEnv,
  limitsEnv,
  mailEnv,
  opsEnv,
  redisEnv,
  repoRoot,
  schedulesEnv,
  storageEnv,
  webhooksEnv,
  workerEnv,
} from "./index.ts";

const everySetting = [
  appEnv,
  authEnv,
  campaignsEnv,
  downloadLinkEnv,
  limitsEnv,
  mailEnv,
  opsEnv,
  redisEnv,
  schedulesEnv,
  storageEnv,
  webhooksEnv,
  workerEnv,
].reduce((all, schema) => all.extend(schema.shape), databaseEnv);
const names = Object.keys(everySetting.shape).sort();
const readme = readFileSync(path.join(repoRoot(), "README.md"), "utf8");
const example = parse(readFileSync(path.join(repoRoot(), ".env.example"), "utf8"));
const exampleText = readFileSync(path.join(repoRoot(), ".env.example"), "utf8");

describe("settings", () => {
  it("each has a row in README's Configuration table", () => {
    expect(names.filter((name) => !readme.includes(`| \`${name}\``))).toEqual([]);
  });

  it("each has a line in .env.example (the two required secrets commented out)", () => {
    expect(names.filter((name) => !new RegExp(`^(# )?${name}=`, "m").test(exampleText))).toEqual([]);
    expect(Object.keys(example).filter((name) => !names.includes(name))).toEqual([]); // nothing there that nothing reads
  });

  it(".env.example copied unchanged gives the defaults", () => {
    const secrets = { AUTH_SECRET: "a".repeat(32), DOWNLOAD_LINK_SECRET: "b".repeat(32) };
    expect(everySetting.parse({ ...example, ...secrets })).toEqual(everySetting.parse(secrets));
  });
});
