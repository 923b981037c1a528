// Request schemas of the routes this app defines itself (tokens, settings, customer search):
// the routes validate with them and the OpenAPI document is generated from them
// (lib/api/openapi.ts). No server-only imports: the document is built from
// these in scripts and tests too.
import { z } from "zod";
import { localeSchema, paperSizeSchema } from "../preferences";

export const TOKEN_SCOPES = ["reports:read", "reports:write", "schedules:read", "schedules:write", "campaigns:read", "campaigns:write"] as const;
export type TokenScope = (typeof TOKEN_SCOPES)[number];
/** Scopes only an admin may give a token; they are also what gives an admin's token admin powers. */
export const ADMIN_SCOPES: readonly TokenScope[] = ["campaigns:read", "campaigns:write"];

export const createTokenSchema = z
  .strictObject({
    name: z.string().trim().min(1, "Give the token a name").max(100).meta({ example: "Nightly export" }),
    scopes: z
      .array(z.enum(TOKEN_SCOPES, { error: `Must be one of: ${TOKEN_SCOPES.join(", ")}` }))
      .min(1, "Choose at least one scope")
      .refine((list) => new Set(list).size === list.length, "Name each scope once")
      .meta({ example: ["reports:write", "reports:read"] }),
    expiresInDays: z.number().int().min(1).max(3650).optional().meta({ description: "Omit for a token that does not expire", example: 90 }),
  })
  .meta({ id: "CreateTokenRequest" });

export const settingsPatchSchema = z.strictObject({ paperSize: paperSizeSchema.optional(), locale: localeSchema.optional() }).meta({ id: "SettingsPatch" });
export type SettingsPatch = z.infer<typeof settingsPatchSchema>;

/** GET /api/reports/:id's query: ?sinceEvent=<event id> adds the history after that event. */
export const reportStatusQuerySchema = z.strictObject({
  sinceEvent: z
    .string()
    .regex(/^\d{1,18}$/, "Must be an event id")
    .optional()
    .meta({ description: "Adds `events`: the history after this event id (the status page's polling fallback)" }),
});

/** GET /api/customers's query: an id, or part of a name. */
export const customerSearchQuery = z
  .strictObject({
    q: z.string().max(100, { error: "At most 100 characters" }).default("").meta({ description: "A customer id, or part of a name", example: "ana" }),
  })
  .meta({ id: "CustomerSearchQuery" });
