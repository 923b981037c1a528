// Sealed sign-in links: readable only with the secret and the address they were sealed for.
import { describe, expect, it } from "vitest";
import { openSignInLink, sealSignInLink } from "../src/sealed-links.ts";

const url = "https://backline.example/api/auth/magic-link/verify?token=s3cr3tT0ken&callbackURL=%2F";
const secret = "a-secret-of-at-least-thirty-two-characters";

describe("sealed sign-in links", () => {
  it("round-trips, and the sealed value shows neither the link nor its token", () => {
    const sealed = sealSignInLink(url, "ana@example.com", secret);
    expect(sealed).not.toContain("s3cr3tT0ken");
    expect(Buffer.from(sealed, "base64url").toString("latin1")).not.toContain("token");
    expect(openSignInLink(sealed, "ana@example.com", secret)).toBe(url);
    // A fresh IV each time: the same link never seals the same way twice.
    expect(sealSignInLink(url, "ana@example.com", secret)).not.toBe(sealed);
  });

  it("refuses another secret, another address, any changed byte, and junk", () => {
    const sealed = sealSignInLink(url, "ana@example.com", secret);
    expect(openSignInLink(sealed, "ana@example.com", `${secret}-rotated`)).toBeNull();
    expect(openSignInLink(sealed, "ben@example.com", secret)).toBeNull();
    const bytes = Buffer.from(sealed, "base64url");
    for (const at of [0, 12, bytes.length - 1]) {
      const altered = Buffer.from(bytes);
      altered[at]! ^= 1;
      expect(openSignInLink(altered.toString("base64url"), "ana@example.com", secret)).toBeNull();
    }
    expect(openSignInLink("", "ana@example.com", secret)).toBeNull();
    expect(openSignInLink("not base64 at all!", "ana@example.com", secret)).toBeNull();
  });
});
