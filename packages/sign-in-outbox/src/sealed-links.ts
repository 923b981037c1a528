// Sign-in links waiting in `sign_in_emails` for a worker to email them. For its
// few minutes a link is as good as a password, so the row holds it sealed
// (AES-256-GCM under a key derived from AUTH_SECRET, bound to the recipient's
// address): someone who reads the database, or a backup of it, can't sign in.
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";

const IV_BYTES = 12;
const TAG_BYTES = 16;
const keyFor = (secret: string) => Buffer.from(hkdfSync("sha256", secret, "", "backline-sign-in-link-v1", 32));

export function sealSignInLink(url: string, email: string, secret: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", keyFor(secret), iv).setAAD(Buffer.from(email));
  const sealed = Buffer.concat([cipher.update(url, "utf8"), cipher.final()]);
  return Buffer.concat([iv, sealed, cipher.getAuthTag()]).toString("base64url");
}

/** The link, or null when it wasn't sealed for this address with this secret (AUTH_SECRET rotated, value altered or moved). */
export function openSignInLink(sealed: string, email: string, secret: string): string | null {
  const bytes = Buffer.from(sealed, "base64url");
  if (bytes.length < IV_BYTES + TAG_BYTES) return null;
  try {
    const decipher = createDecipheriv("aes-256-gcm", keyFor(secret), bytes.subarray(0, IV_BYTES)).setAAD(Buffer.from(email));
    decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]).toString("utf8");
  } catch {
    return null;
  }
}
