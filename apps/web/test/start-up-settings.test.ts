// The web app's start-up check (instrumentation-node.ts), in a real process:
// a production-like start with nobody having decided who may sign up stops
// with one line naming the settings; a local demo, or a decided policy, starts.
import { spawnSync } from "node:child_process";
import { TEST_SECRETS } from "@backline/test-kit";
import { describe, expect, it } from "vitest";

function start(env: Record<string, string>) {
  const run = spawnSync(
    process.execPath,
    [
      "--conditions",
      "react-server",
      "--import",
      "tsx",
      "-e",
      'import("./instrumentation-node.ts").then((m) => { m.checkSettings(); console.log("started"); })',
    ],
    {
      cwd: import.meta.dirname + "/..",
      // Set, even if empty, so a developer's .env can't fill them in.
      env: {
        PATH: process.env.PATH,
        HOME: process.env.HOME,
        ...TEST_SECRETS,
        ALLOWED_EMAIL_DOMAINS: "",
        ALLOW_OPEN_SIGN_UP: "",
        ADMIN_EMAILS: "",
        ...env,
      } as unknown as NodeJS.ProcessEnv,
      encoding: "utf8",
      timeout: 60_000,
    },
  );
  return { code: run.status, stdout: run.stdout.trim(), stderr: run.stderr.trim() };
}

describe("start-up settings check", () => {
  it("refuses a production https start without a sign-up policy, in one line naming the settings", () => {
    const run = start({ NODE_ENV: "production", APP_URL: "https://backline.example" });
    expect(run.code).toBe(1);
    expect(run.stderr.split("\n")).toHaveLength(1);
    expect(run.stderr).toMatch(
      /^✖ Backline web cannot start: no sign-up policy for APP_URL=https:\/\/backline\.example.*ALLOWED_EMAIL_DOMAINS.*ALLOW_OPEN_SIGN_UP/,
    );
  });

  it("refuses a non-local http APP_URL without one too", () => {
    expect(start({ APP_URL: "http://reports.internal:3000" }).code).toBe(1);
  });

  it("starts with a policy, or on a local APP_URL with none (npm run up)", () => {
    expect(start({ NODE_ENV: "production", APP_URL: "https://backline.example", ALLOWED_EMAIL_DOMAINS: "example.com" })).toMatchObject({
      code: 0,
      stdout: "started",
    });
    expect(start({ NODE_ENV: "production", APP_URL: "https://backline.example", ALLOW_OPEN_SIGN_UP: "false" })).toMatchObject({ code: 0, stdout: "started" });
    expect(start({ NODE_ENV: "production", APP_URL: "https://backline.example", ALLOW_OPEN_SIGN_UP: "true" })).toMatchObject({ code: 0, stdout: "started" });
    expect(start({ APP_URL: "http://localhost:3000" })).toMatchObject({ code: 0, stdout: "started" });
  });

  it("still refuses a missing secret the same way", () => {
    const run = start({ APP_URL: "http://localhost:3000", AUTH_SECRET: "" });
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/^✖ Backline web cannot start: Invalid environment — AUTH_SECRET: AUTH_SECRET is missing/);
  });
});
