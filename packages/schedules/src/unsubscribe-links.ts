// The one-click unsubscribe link in every scheduled email (RFC 8058's
// List-Unsubscribe): it pauses the schedule without a sign-in, so the link
// itself is the permission — an HMAC of the schedule id under the download-link
// keys (which already rotate: DOWNLOAD_LINK_PREVIOUS_SECRETS keep old emails working).
import { createHmac, timingSafeEqual } from "node:crypto";

export interface LinkKeys {
  secret: string;
  previousSecrets?: string[];
}

const sign = (secret: string, scheduleId: string) => createHmac("sha256", secret).update(`backline-schedule-unsubscribe-v1:${scheduleId}`).digest();

export const unsubscribePath = (scheduleId: string) => `/schedules/${scheduleId}/unsubscribe`;

export function unsubscribeUrl(appUrl: string, scheduleId: string, keys: LinkKeys): string {
  const url = new URL(unsubscribePath(scheduleId), appUrl);
  url.searchParams.set("sig", sign(keys.secret, scheduleId).toString("base64url"));
  return url.toString();
}

/** Whether `sig` was made for this schedule by the current or a previous key. Constant time. */
export function checkUnsubscribeSignature(scheduleId: string, sig: string, keys: LinkKeys): boolean {
  const given = Buffer.from(sig, "base64url");
  return [keys.secret, ...(keys.previousSecrets ?? [])].some((secret) => {
    const expected = sign(secret, scheduleId);
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
}
