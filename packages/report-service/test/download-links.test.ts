// The signed download link on its own: what verifies, and what each kind of
// tampering, expiry and key rotation answers.
import { describe, expect, it } from "vitest";
import { checkDownloadUrl, keyIdOf, signDownloadUrl } from "../src/download-links.ts";

const keys = { secret: "s".repeat(40) };
const reportId = "0190f0c2-0000-7000-8000-000000000001";
const userId = "0190f0c2-0000-7000-8000-0000000000aa";
const now = Date.UTC(2026, 10, 22, 12);
const expires = now / 1000 + 3600;
const link = () => new URL(signDownloadUrl("https://reports.example.com", { reportId, userId, expires }, keys));
const check = (url: URL, id = reportId, k = keys, at = now) => checkDownloadUrl(id, url.searchParams, k, at);

describe("download links", () => {
  it("verifies the link it signed, naming who it is for and until when", () => {
    const url = link();
    expect(url.pathname).toBe(`/reports/${reportId}/download`);
    expect([...url.searchParams.keys()]).toEqual(["user", "expires", "kid", "sig"]);
    expect(check(url)).toEqual({ ok: true, claims: { reportId, userId, expires, keyId: keyIdOf(keys.secret) } });
  });

  it.each([
    ["user", "0190f0c2-0000-7000-8000-0000000000bb"],
    ["expires", String(expires + 86_400 * 365)],
    ["kid", "AAAAAAAA"],
    ["sig", "A".repeat(43)],
  ])("is tampered when %s changes", (field, value) => {
    const url = link();
    url.searchParams.set(field, value);
    expect(check(url)).toEqual({ ok: false, reason: "tampered" });
  });

  it("is tampered when pointed at another report, missing a field, or carrying extra ones", () => {
    expect(check(link(), "0190f0c2-0000-7000-8000-000000000002")).toEqual({ ok: false, reason: "tampered" });
    const missing = link();
    missing.searchParams.delete("sig");
    expect(check(missing)).toEqual({ ok: false, reason: "tampered" });
    const extra = link();
    extra.searchParams.set("admin", "1");
    expect(check(extra)).toEqual({ ok: false, reason: "tampered" });
    const flipped = link();
    const sig = flipped.searchParams.get("sig")!;
    flipped.searchParams.set("sig", (sig[0] === "A" ? "B" : "A") + sig.slice(1));
    expect(check(flipped)).toEqual({ ok: false, reason: "tampered" });
  });

  it("is expired (not tampered) once its time has passed, however genuine", () => {
    expect(check(link(), reportId, keys, expires * 1000)).toMatchObject({ ok: false, reason: "expired", claims: { userId } });
    expect(check(link(), reportId, keys, expires * 1000 - 1)).toMatchObject({ ok: true });
  });

  it("keeps verifying links signed with a previous secret after a rotation, and only those it still holds", () => {
    const old = link();
    const rotated = { secret: "t".repeat(40), previousSecrets: [keys.secret] };
    expect(check(old, reportId, rotated)).toMatchObject({ ok: true });
    expect(check(old, reportId, { secret: "t".repeat(40) })).toEqual({ ok: false, reason: "tampered" });
  });
});
