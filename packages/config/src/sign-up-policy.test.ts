import { describe, expect, it } from "vitest";
import { authEnv, isLocalAppUrl, parseEnv, signUpPolicyProblem } from "./index.ts";

const secrets = { AUTH_SECRET: "a".repeat(32) };

describe("sign-up settings", () => {
  it("parse domains as a lower-case list, ALLOW_OPEN_SIGN_UP as true/false/unset, and an idle timeout of 72 hours by default", () => {
    const env = parseEnv(authEnv, { ...secrets, ALLOWED_EMAIL_DOMAINS: " Example.com, @corp.example ,", ALLOW_OPEN_SIGN_UP: "false" });
    expect(env.ALLOWED_EMAIL_DOMAINS).toEqual(["example.com", "corp.example"]);
    expect(env.ALLOW_OPEN_SIGN_UP).toBe(false);
    expect(env.SESSION_IDLE_TIMEOUT_HOURS).toBe(72);
    expect(parseEnv(authEnv, { ...secrets, ALLOW_OPEN_SIGN_UP: "" }).ALLOW_OPEN_SIGN_UP).toBeUndefined();
    expect(parseEnv(authEnv, { ...secrets, ALLOW_OPEN_SIGN_UP: "true", SESSION_IDLE_TIMEOUT_HOURS: "8" })).toMatchObject({
      ALLOW_OPEN_SIGN_UP: true,
      SESSION_IDLE_TIMEOUT_HOURS: 8,
    });
    expect(() => parseEnv(authEnv, { ...secrets, ALLOW_OPEN_SIGN_UP: "yes" })).toThrow(/ALLOW_OPEN_SIGN_UP: must be true or false/);
    expect(() => parseEnv(authEnv, { ...secrets, ALLOWED_EMAIL_DOMAINS: "example.com,not a domain" })).toThrow(
      /ALLOWED_EMAIL_DOMAINS: comma-separated domain names/,
    );
    expect(() => parseEnv(authEnv, { ...secrets, SESSION_IDLE_TIMEOUT_HOURS: "0" })).toThrow(/SESSION_IDLE_TIMEOUT_HOURS/);
  });

  it("tell a local APP_URL from one others can reach", () => {
    for (const url of ["http://localhost:3000", "http://127.0.0.1:3000", "http://[::1]:3000", "https://backline.localhost"])
      expect(isLocalAppUrl(url), url).toBe(true);
    for (const url of ["https://backline.example", "http://10.0.0.5:3000", "http://localhost.evil.example", "http://app.test"])
      expect(isLocalAppUrl(url), url).toBe(false);
  });

  it("insist on a policy anywhere but a local APP_URL, naming the settings", () => {
    const none = { ALLOWED_EMAIL_DOMAINS: [] as string[], ALLOW_OPEN_SIGN_UP: undefined };
    expect(signUpPolicyProblem({ ...none, APP_URL: "http://localhost:3000" })).toBeNull();
    for (const url of ["https://backline.example", "http://reports.internal:3000"]) {
      expect(signUpPolicyProblem({ ...none, APP_URL: url })).toMatch(
        /^no sign-up policy for APP_URL=.*: set ALLOWED_EMAIL_DOMAINS .*ALLOW_OPEN_SIGN_UP=false .*ALLOW_OPEN_SIGN_UP=true/,
      );
    }
    expect(signUpPolicyProblem({ ...none, APP_URL: "https://backline.example", ALLOWED_EMAIL_DOMAINS: ["example.com"] })).toBeNull();
    expect(signUpPolicyProblem({ ...none, APP_URL: "https://backline.example", ALLOW_OPEN_SIGN_UP: true })).toBeNull();
    expect(signUpPolicyProblem({ ...none, APP_URL: "https://backline.example", ALLOW_OPEN_SIGN_UP: false })).toBeNull();
  });
});
