// Job: email one magic sign-in link. The payload is the `sign_in_emails` row id
// only; the address and link stay in Postgres, so Redis holds no personal data.
import { z } from "zod";
import type { JobDefinition } from "./define.ts";

export const sendSignInLinkJob = {
  name: "send-sign-in-link",
  payload: z.strictObject({ signInEmailId: z.uuid() }),
} as const satisfies JobDefinition;

export type SendSignInLinkPayload = z.infer<typeof sendSignInLinkJob.payload>;
