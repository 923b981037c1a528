// A receiver's signing secret: `whsec_` and 24 random bytes in base64, the
// Standard Webhooks format. It is shown to its owner once; the row keeps it
// sealed with AUTH_SECRET (the sign-in links' AES-256-GCM sealing), bound to
// the endpoint's id, so the database alone can't forge deliveries.
import { randomBytes } from "node:crypto";
import { openSignInLink, sealSignInLink } from "@backline/sign-in-outbox";

export const newWebhookSecret = () => `whsec_${randomBytes(24).toString("base64")}`;

const binding = (endpointId: string) => `webhook-endpoint:${endpointId}`;

export const sealWebhookSecret = (secret: string, endpointId: string, authSecret: string) => sealSignInLink(secret, binding(endpointId), authSecret);

export const openWebhookSecret = (sealed: string, endpointId: string, authSecret: string) => openSignInLink(sealed, binding(endpointId), authSecret);
