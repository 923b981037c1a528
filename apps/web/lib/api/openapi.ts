// The OpenAPI 3.1 document of /api, served at /api/openapi.json and rendered at
// /api/docs. Requests are described by the very zod schemas the routes validate
// with (report, schedule, campaign, token, webhook, settings and sign-in
// requests, list queries); responses by the zod schemas below, which the
// contract test (test/openapi.int.test.ts) holds every real answer to. Built
// with zod-openapi (zod 4's own .meta() and JSON Schema output, no patching of
// zod). The typed client in packages/api-client is generated from it.
import { campaignRequestSchema } from "@backline/campaigns";
import { REPORT_STATUSES } from "@backline/db/report-status";
import { idempotencyKeySchema, listQuerySchema, reportRequestSchema } from "@backline/report-service";
import { createScheduleSchema, updateScheduleSchema } from "@backline/schedules";
import { WEBHOOK_EVENTS, createWebhookSchema } from "@backline/webhooks";
import { z } from "zod";
import { createDocument, type ZodOpenApiOperationObject, type ZodOpenApiResponsesObject } from "zod-openapi";
import { PAPER_SIZES } from "@backline/reports";
import { TOKEN_SCOPES, createTokenSchema, customerSearchQuery, reportStatusQuerySchema, settingsPatchSchema } from "./schemas";

const uuid = z.uuid();
const instant = z.iso.datetime({ offset: true });

// ---- Shapes the API answers with ----

const errorBody = z
  .object({
    error: z.string().meta({ description: "What went wrong, in plain words" }),
    issues: z.array(z.object({ path: z.string().meta({ description: "The field, header or query parameter, dotted" }), message: z.string() })),
  })
  .meta({ id: "Error", description: "Every refusal: a sentence, and each bad field by name" });

const reportStatus = z.enum(REPORT_STATUSES).meta({ id: "ReportStatus" });
const report = z
  .object({
    id: uuid,
    type: z.string(),
    title: z.string(),
    params: z.record(z.string(), z.unknown()),
    status: reportStatus,
    progress: z.number().int().min(0).max(100),
    stage: z.string().nullable(),
    failureReason: z.string().nullable(),
    attempts: z.number().int(),
    pageCount: z.number().int().nullable(),
    createdAt: instant,
    updatedAt: instant,
    startedAt: instant.nullable(),
    finishedAt: instant.nullable(),
    scheduleId: uuid.nullable(),
    occurrence: z.string().nullable().meta({ description: "The schedule's nominal local time this is the run of (YYYY-MM-DDTHH:mm)" }),
    downloadUrl: z.string().optional().meta({ description: "Once the PDF exists (emailing, sent)" }),
  })
  .meta({ id: "Report" });
const reportEvent = z
  .object({ id: z.string(), at: instant, status: reportStatus, progress: z.number().int(), message: z.string(), attempt: z.number().int() })
  .meta({ id: "ReportEvent" });
const reportWithState = report
  .extend({
    queue: z
      .object({ position: z.number().int(), etaSeconds: z.number().nullable() })
      .nullable()
      .optional()
      .meta({ description: "While queued: where it stands" }),
    events: z.array(reportEvent).optional(),
  })
  .meta({ id: "ReportState" });
const reportAccepted = z
  .object({ id: uuid, type: z.string(), status: reportStatus, statusUrl: z.url().meta({ description: "The live status page" }) })
  .meta({ id: "ReportAccepted" });

const schedule = z
  .looseObject({
    id: uuid,
    type: z.string(),
    title: z.string(),
    params: z.record(z.string(), z.unknown()),
    relative: z.record(z.string(), z.unknown()).nullable(),
    cron: z.string(),
    repeats: z.string(),
    timeZone: z.string(),
    skipIfEmpty: z.boolean(),
    missed: z.enum(["latest", "skip", "all"]),
    paused: z.boolean(),
    pausedReason: z.string().nullable(),
    nextRunAt: instant.nullable(),
    upcoming: z.array(z.object({ occurrence: z.string(), at: instant })),
    runs: z.array(
      z.object({
        occurrence: z.string(),
        dueAt: instant,
        status: z.string(),
        reportId: uuid.optional(),
        failureReason: z.string().optional(),
      }),
    ),
    createdAt: instant,
    updatedAt: instant,
  })
  .meta({ id: "Schedule" });

const campaign = z
  .looseObject({
    id: uuid,
    type: z.string(),
    title: z.string(),
    params: z.record(z.string(), z.unknown()),
    audience: z.looseObject({ kind: z.string() }),
    status: z.enum(["scheduled", "running", "paused", "completed", "cancelled"]),
    pausedReason: z.string().nullable(),
    total: z.number().int(),
    counts: z.record(z.string(), z.number().int()),
    ratePerSecond: z.number(),
    maxRatePerSecond: z.number().nullable(),
    etaSeconds: z.number().nullable(),
    resends: z.number().int(),
    startAt: instant,
    startedAt: instant.nullable(),
    finishedAt: instant.nullable(),
    createdAt: instant,
  })
  .meta({ id: "Campaign" });
const campaignRecipient = z
  .object({
    id: z.string(),
    customerId: z.number().int(),
    email: z.string(),
    status: z.string(),
    failureReason: z.string().nullable(),
    sentAt: instant.nullable(),
    claims: z.number().int(),
    resends: z.number().int(),
  })
  .meta({ id: "CampaignRecipient" });

const token = z
  .object({
    id: uuid,
    name: z.string(),
    prefix: z.string().meta({ description: "The token's first characters, to tell tokens apart" }),
    scopes: z.array(z.enum(TOKEN_SCOPES)),
    createdAt: instant,
    lastUsedAt: instant.nullable().meta({ description: "Updated at most once a minute" }),
    expiresAt: instant.nullable(),
  })
  .meta({ id: "Token" });
const tokenCreated = token
  .extend({ token: z.string().meta({ description: "The secret: shown in this answer only. Send it as `Authorization: Bearer <token>`." }) })
  .meta({ id: "TokenCreated" });

const webhook = z
  .object({
    id: uuid,
    url: z.string(),
    events: z.array(z.enum(WEBHOOK_EVENTS)),
    createdAt: instant,
    disabledAt: instant.nullable(),
    disabledReason: z.string().nullable(),
    failingSince: instant.nullable(),
  })
  .meta({ id: "Webhook" });
const webhookCreated = webhook
  .extend({ secret: z.string().meta({ description: "The signing secret (whsec_…): shown in this answer only" }) })
  .meta({ id: "WebhookCreated" });
const webhookDelivery = z
  .object({
    id: uuid.meta({ description: "The webhook-id header of every attempt" }),
    type: z.enum(WEBHOOK_EVENTS),
    subjectId: uuid,
    status: z.enum(["pending", "delivered", "failed"]),
    createdAt: instant,
    deliveredAt: instant.nullable(),
    attempts: z.array(z.object({ at: instant, statusCode: z.number().int().nullable(), error: z.string().nullable(), durationMs: z.number().int() })),
  })
  .meta({ id: "WebhookDelivery" });

const settings = z.object({ paperSize: z.enum(PAPER_SIZES), locale: z.string() }).meta({ id: "Settings" });

// ---- Parameters, headers, responses every route shares ----

const idParam = (what: string) => z.object({ id: uuid.meta({ description: `The ${what}'s id` }) });
const header = (description: string, schema: z.ZodType = z.string()) => schema.meta({ description });
const retryAfter = header("Seconds to wait before trying again", z.string().regex(/^\d+$/));
const location = header("Where the new resource is");
const json = (schema: z.ZodType) => ({ "application/json": { schema } });

const problem = (description: string, headers?: Record<string, z.ZodType>) => ({
  description,
  content: json(errorBody),
  ...(headers ? { headers: z.object(headers) } : {}),
});
const readiness = z
  .object({ ready: z.boolean(), problems: z.array(z.string().meta({ description: "e.g. Redis is unreachable (REDIS_URL)" })) })
  .meta({ id: "Readiness" });

const E = {
  400: problem("Invalid input: each bad or unknown field named in `issues`"),
  401: problem("No session (or no live API token)"),
  403: problem("Refused: a state change without this site's Origin (browsers), or a token without the scope"),
  404: problem("Not found — or someone else's, which is the same answer"),
  409: problem("Not possible in its current state; `error` says why"),
  413: problem("Body larger than MAX_BODY_BYTES"),
  415: problem("Not application/json"),
  422: problem("The Idempotency-Key was used with another body"),
  429: problem("Over a limit", { "Retry-After": retryAfter }),
  503: problem("Postgres is unreachable", { "Retry-After": retryAfter }),
} as const;
const pick = (...codes: (keyof typeof E)[]) => Object.fromEntries(codes.map((c) => [String(c), E[c]])) as ZodOpenApiResponsesObject;

const both: Record<string, string[]>[] = [{ session: [] }, { bearer: [] }];
const sessionOnly: Record<string, string[]>[] = [{ session: [] }];

const op = (
  tag: string,
  operationId: string,
  summary: string,
  rest: Omit<ZodOpenApiOperationObject, "responses" | "operationId" | "summary" | "tags"> & { responses: ZodOpenApiResponsesObject },
): ZodOpenApiOperationObject => ({ tags: [tag], operationId, summary, ...rest });

const jsonBody = (schema: z.ZodType, example: unknown) => ({ required: true, content: { "application/json": { schema, example } } });

export function openApiDocument() {
  return createDocument(
    {
      openapi: "3.1.0",
      info: {
        title: "Backline API",
        version: "1.0.0",
        summary: "Asynchronous reports: request one, watch it, get it by email — and tell programs when it is done.",
        description:
          "Every route answers JSON; refusals are `{error, issues[]}`. Sign in with a session cookie (the web app) or send a personal API token " +
          "(`Authorization: Bearer bkl_…`, created on /settings) on the routes its scopes allow. Cookie requests that change something must " +
          "carry this site's `Origin`; token requests without a session cookie need not. Webhooks are signed the Standard Webhooks way.",
        license: { name: "Proprietary", identifier: "LicenseRef-Proprietary" },
      },
      servers: [{ url: "/", description: "This Backline" }],
      tags: [
        { name: "Reports", description: "Request, read, watch, cancel and retry reports; download links" },
        { name: "Schedules", description: "Reports emailed on a cron in a time zone" },
        { name: "Campaigns", description: "One report type to many customers (admins only)" },
        { name: "Tokens", description: "Personal API tokens (a signed-in session only)" },
        { name: "Webhooks", description: "Signed POSTs when something happens (a signed-in session only)" },
        { name: "Settings", description: "Your report preferences (a signed-in session only)" },
        { name: "Auth", description: "Sign in by emailed link" },
        { name: "Health", description: "Liveness, readiness and metrics, for operators and orchestrators" },
      ],
      components: {
        securitySchemes: {
          session: { type: "apiKey", in: "cookie", name: "backline.session_token", description: "The web app's session (`__Host-` prefixed over https)" },
          bearer: { type: "http", scheme: "bearer", description: "A personal API token (`bkl_…`), scoped; never in a query string" },
          metricsToken: { type: "http", scheme: "bearer", description: "The deployment's METRICS_TOKEN (Prometheus' `authorization` setting)" },
        },
      },
      paths: {
        "/api/reports": {
          post: op("Reports", "createReport", "Request a report", {
            security: both,
            description: "Validates, records and queues the report, and answers at once; it is emailed to you when done. Needs `reports:write`.",
            requestParams: {
              header: z.object({ "Idempotency-Key": idempotencyKeySchema.optional().meta({ description: "Repeat the same request safely: one report" }) }),
            },
            requestBody: jsonBody(reportRequestSchema, { type: "sales-summary", params: { from: "2026-01-01", to: "2026-01-31", groupBy: "week" } }),
            responses: {
              "202": {
                description: "Accepted and queued",
                headers: z.object({
                  Location: location,
                  "Idempotent-Replayed": header("`true` when this answers an earlier request with the same key").optional(),
                }),
                content: json(reportAccepted),
              },
              ...pick(400, 401, 403, 413, 415, 422, 429, 503),
            },
          }),
          get: op("Reports", "listReports", "Your reports, newest first", {
            security: both,
            requestParams: { query: listQuerySchema },
            responses: {
              "200": { description: "A page of reports", content: json(z.object({ items: z.array(report), nextCursor: uuid.nullable() })) },
              ...pick(400, 401, 403, 503),
            },
          }),
        },
        "/api/reports/{id}": {
          get: op("Reports", "getReport", "A report's state", {
            security: both,
            requestParams: { path: idParam("report"), query: reportStatusQuerySchema },
            responses: { "200": { description: "The report", content: json(reportWithState) }, ...pick(400, 401, 403, 404, 503) },
          }),
        },
        "/api/reports/{id}/events": {
          get: op("Reports", "watchReport", "Live updates (Server-Sent Events)", {
            security: both,
            description:
              "`snapshot` (the report), `history` (each event; the SSE id is the event id, so `Last-Event-ID` resumes) and `update` ({report, publishedAt}). " +
              "Ends after a final status.",
            requestParams: {
              path: idParam("report"),
              header: z.object({ "Last-Event-ID": z.string().optional().meta({ description: "Resume after this event" }) }),
            },
            responses: {
              "200": { description: "An event stream", content: { "text/event-stream": { schema: z.string() } } },
              ...pick(401, 403, 404),
              "429": E[429],
              "503": problem("Too many streams on this process", { "Retry-After": retryAfter }),
            },
          }),
        },
        "/api/reports/{id}/cancel": {
          post: op("Reports", "cancelReport", "Cancel a queued or generating report", {
            security: both,
            requestParams: { path: idParam("report") },
            responses: { "200": { description: "Cancelled", content: json(report) }, ...pick(400, 401, 403, 404, 409, 503) },
          }),
        },
        "/api/reports/{id}/retry": {
          post: op("Reports", "retryReport", "Retry a failed or cancelled report", {
            security: both,
            requestParams: { path: idParam("report") },
            responses: { "200": { description: "Queued again", content: json(report) }, ...pick(400, 401, 403, 404, 409, 429, 503) },
          }),
        },
        "/api/reports/{id}/download-links": {
          post: op("Reports", "createDownloadLink", "A fresh signed download link (owner only)", {
            security: both,
            requestParams: { path: idParam("report") },
            responses: {
              "201": { description: "The link", content: json(z.object({ url: z.url(), expiresAt: instant })) },
              ...pick(400, 401, 403, 404, 429, 503),
            },
          }),
        },
        "/api/reports/{id}/download-links/revoke": {
          post: op("Reports", "revokeDownloadLinks", "Revoke every link to the report (owner only)", {
            security: both,
            requestParams: { path: idParam("report") },
            responses: {
              "200": { description: "How many links stopped working", content: json(z.object({ revoked: z.number().int() })) },
              ...pick(400, 401, 403, 404, 503),
            },
          }),
        },
        "/api/schedules": {
          post: op("Schedules", "createSchedule", "Schedule a report", {
            security: both,
            requestBody: jsonBody(createScheduleSchema, {
              type: "sales-summary",
              params: { groupBy: "day" },
              cron: "0 8 * * 1",
              timeZone: "Europe/Berlin",
              relative: { range: "previous-week" },
            }),
            responses: {
              "201": { description: "Created", headers: z.object({ Location: location }), content: json(schedule) },
              ...pick(400, 401, 403, 413, 415, 429, 503),
            },
          }),
          get: op("Schedules", "listSchedules", "Your schedules", {
            security: both,
            responses: { "200": { description: "Schedules", content: json(z.object({ items: z.array(schedule) })) }, ...pick(401, 403, 503) },
          }),
        },
        "/api/schedules/{id}": {
          get: op("Schedules", "getSchedule", "A schedule with its next and last runs", {
            security: both,
            requestParams: { path: idParam("schedule") },
            responses: { "200": { description: "The schedule", content: json(schedule) }, ...pick(401, 403, 404, 503) },
          }),
          patch: op("Schedules", "updateSchedule", "Change any field, or pause/resume", {
            security: both,
            requestParams: { path: idParam("schedule") },
            requestBody: jsonBody(updateScheduleSchema, { paused: true }),
            responses: { "200": { description: "The schedule", content: json(schedule) }, ...pick(400, 401, 403, 404, 413, 415, 503) },
          }),
          delete: op("Schedules", "deleteSchedule", "Delete a schedule (its reports stay)", {
            security: both,
            requestParams: { path: idParam("schedule") },
            responses: { "204": { description: "Deleted" }, ...pick(400, 401, 403, 404, 503) },
          }),
        },
        "/api/campaigns": {
          post: op("Campaigns", "createCampaign", "Start a campaign (admins)", {
            security: both,
            description: "JSON with an audience, or multipart/form-data with the recipients as a CSV `file` (a customer id or address per row).",
            requestBody: {
              required: true,
              content: {
                "application/json": {
                  schema: campaignRequestSchema,
                  example: { type: "customer-statement", params: { month: "2026-11" }, audience: { kind: "customers", ids: [1, 2] } },
                },
                "multipart/form-data": {
                  schema: z.object({
                    type: z.string(),
                    params: z.string().optional().meta({ description: "The report's params as JSON" }),
                    file: z.string().meta({ format: "binary", description: "CSV: a customer id or an email address per row" }),
                    startAt: instant.optional(),
                    ratePerSecond: z.string().optional(),
                    skipInvalidRows: z.enum(["true", "false"]).optional(),
                  }),
                },
              },
            },
            responses: {
              "202": { description: "Created, recipients written", headers: z.object({ Location: location }), content: json(campaign) },
              ...pick(400, 401, 403, 404, 413, 415, 503),
            },
          }),
          get: op("Campaigns", "listCampaigns", "Every campaign (admins)", {
            security: both,
            responses: { "200": { description: "Campaigns", content: json(z.object({ items: z.array(campaign) })) }, ...pick(401, 403, 404, 503) },
          }),
        },
        "/api/campaigns/preview": {
          post: op("Campaigns", "previewCampaign", "How many it reaches, and the first recipient's report emailed to you (admins)", {
            security: both,
            requestBody: jsonBody(campaignRequestSchema, { type: "customer-statement", params: { month: "2026-11" }, audience: { kind: "all-customers" } }),
            responses: {
              "200": {
                description: "The audience's size and the preview report",
                content: json(
                  z.object({
                    total: z.number().int(),
                    first: z.object({ id: z.number().int(), name: z.string(), email: z.string() }).nullable(),
                    report: z.object({ id: uuid, statusUrl: z.string() }).nullable(),
                  }),
                ),
              },
              ...pick(400, 401, 403, 404, 413, 415, 429, 503),
            },
          }),
        },
        "/api/campaigns/{id}": {
          get: op("Campaigns", "getCampaign", "A campaign's progress (admins)", {
            security: both,
            requestParams: { path: idParam("campaign") },
            responses: { "200": { description: "The campaign", content: json(campaign) }, ...pick(401, 403, 404, 503) },
          }),
        },
        "/api/campaigns/{id}/{command}": {
          post: op("Campaigns", "commandCampaign", "Pause, resume, cancel or retry the failed (admins)", {
            security: both,
            requestParams: { path: idParam("campaign").extend({ command: z.enum(["pause", "resume", "cancel", "retry-failed"]) }) },
            responses: { "200": { description: "The campaign", content: json(campaign) }, ...pick(400, 401, 403, 404, 409, 503) },
          }),
        },
        "/api/campaigns/{id}/recipients": {
          get: op("Campaigns", "listCampaignRecipients", "Recipients and their outcomes (admins); ?format=csv streams them all", {
            security: both,
            requestParams: {
              path: idParam("campaign"),
              query: z.object({
                status: z.enum(["pending", "claimed", "sending", "sent", "failed", "skipped"]).optional(),
                after: z.string().optional().meta({ description: "The last recipient id of the previous page" }),
                limit: z.number().int().min(1).max(500).optional(),
                format: z.enum(["json", "csv"]).optional(),
              }),
            },
            responses: {
              "200": {
                description: "A page of recipients (JSON) or all of them (CSV)",
                content: { ...json(z.object({ items: z.array(campaignRecipient) })), "text/csv": { schema: z.string() } },
              },
              ...pick(400, 401, 403, 404, 503),
            },
          }),
        },
        "/api/tokens": {
          post: op("Tokens", "createToken", "Create a personal API token", {
            security: sessionOnly,
            description: "Campaign scopes are for admins; they are also what gives an admin's token admin powers. The secret is in this answer only.",
            requestBody: jsonBody(createTokenSchema, { name: "Nightly export", scopes: ["reports:write", "reports:read"], expiresInDays: 90 }),
            responses: {
              "201": { description: "Created", headers: z.object({ Location: location }), content: json(tokenCreated) },
              ...pick(400, 401, 403, 409, 413, 415, 503),
            },
          }),
          get: op("Tokens", "listTokens", "Your tokens (no secrets)", {
            security: sessionOnly,
            responses: { "200": { description: "Tokens", content: json(z.object({ items: z.array(token) })) }, ...pick(401, 403, 503) },
          }),
        },
        "/api/tokens/{id}": {
          delete: op("Tokens", "revokeToken", "Revoke a token, at once", {
            security: sessionOnly,
            requestParams: { path: idParam("token") },
            responses: { "204": { description: "Revoked" }, ...pick(400, 401, 403, 404, 503) },
          }),
        },
        "/api/webhooks": {
          post: op("Webhooks", "createWebhook", "Register a receiver", {
            security: sessionOnly,
            description:
              "The URL must reach a public address (checked after DNS, and again at each delivery; WEBHOOK_ALLOWED_HOSTS excepted) and be https:// in production. " +
              "The signing secret is in this answer only.",
            requestBody: jsonBody(createWebhookSchema, { url: "https://example.com/hooks/backline", events: ["report.sent", "report.failed"] }),
            responses: {
              "201": { description: "Registered", headers: z.object({ Location: location }), content: json(webhookCreated) },
              ...pick(400, 401, 403, 409, 413, 415, 503),
            },
            callbacks: {
              event: {
                "{$request.body#/url}": {
                  post: {
                    summary: "An event, signed",
                    security: [],
                    requestParams: {
                      header: z.object({
                        "webhook-id": uuid.meta({ description: "The same for every attempt of one event: dedupe on it" }),
                        "webhook-timestamp": z.string().meta({ description: "Unix seconds of this attempt" }),
                        "webhook-signature": z.string().meta({ description: "v1,<base64 HMAC-SHA256 of id.timestamp.body>" }),
                      }),
                    },
                    requestBody: {
                      content: json(
                        z
                          .object({ type: z.enum(WEBHOOK_EVENTS), timestamp: instant, data: z.object({ report: report.optional() }).catchall(z.unknown()) })
                          .meta({ id: "WebhookEvent" }),
                      ),
                    },
                    responses: {
                      "200": { description: "Any 2xx: delivered" },
                      "4XX": { description: "408 and 429 are retried; any other 4xx gives up on the event" },
                      "5XX": { description: "Retried with doubling waits for about a day (so is no answer within WEBHOOK_TIMEOUT_SECONDS)" },
                    },
                  },
                },
              },
            },
          }),
          get: op("Webhooks", "listWebhooks", "Your receivers", {
            security: sessionOnly,
            responses: { "200": { description: "Receivers", content: json(z.object({ items: z.array(webhook) })) }, ...pick(401, 403, 503) },
          }),
        },
        "/api/webhooks/{id}": {
          delete: op("Webhooks", "deleteWebhook", "Delete a receiver", {
            security: sessionOnly,
            requestParams: { path: idParam("webhook") },
            responses: { "204": { description: "Deleted" }, ...pick(400, 401, 403, 404, 503) },
          }),
        },
        "/api/webhooks/{id}/deliveries": {
          get: op("Webhooks", "listWebhookDeliveries", "The latest events sent to it, with every attempt", {
            security: sessionOnly,
            requestParams: { path: idParam("webhook") },
            responses: { "200": { description: "Deliveries", content: json(z.object({ items: z.array(webhookDelivery) })) }, ...pick(401, 403, 404, 503) },
          }),
        },
        "/api/webhooks/{id}/deliveries/{deliveryId}/resend": {
          post: op("Webhooks", "resendWebhookDelivery", "Send an event again (same webhook-id)", {
            security: sessionOnly,
            requestParams: { path: idParam("webhook").extend({ deliveryId: uuid.meta({ description: "The delivery's (event's) id" }) }) },
            responses: {
              "202": { description: "Queued again", content: json(z.object({ resent: z.literal(true) })) },
              ...pick(400, 401, 403, 404, 503),
            },
          }),
        },
        "/api/settings": {
          get: op("Settings", "getSettings", "Your report preferences", {
            security: sessionOnly,
            responses: { "200": { description: "Settings", content: json(settings) }, ...pick(401, 403, 503) },
          }),
          patch: op("Settings", "updateSettings", "Change paper size or locale", {
            security: sessionOnly,
            requestBody: jsonBody(settingsPatchSchema, { paperSize: "A4", locale: "de-DE" }),
            responses: { "200": { description: "Settings", content: json(settings) }, ...pick(400, 401, 403, 413, 415, 503) },
          }),
        },
        "/api/auth/sign-in/magic-link": {
          post: op("Auth", "requestSignInLink", "Email a sign-in link", {
            security: [],
            description: "Answers the same whether or not the address may sign in.",
            requestBody: jsonBody(z.strictObject({ email: z.email().max(254), callbackURL: z.string().optional(), errorCallbackURL: z.string().optional() }), {
              email: "ana@example.com",
              callbackURL: "/",
            }),
            responses: { "200": { description: "Accepted", content: json(z.looseObject({ status: z.boolean() })) }, ...pick(400, 403, 413, 415, 429, 503) },
          }),
        },
        "/api/customers": {
          get: op("Reports", "searchCustomers", "Find customers for a report's parameters", {
            security: both,
            description: "The customer with this id, then customers whose name contains the text; at most 20. Needs `reports:read`.",
            requestParams: { query: customerSearchQuery },
            responses: {
              "200": {
                description: "Matches",
                content: json(z.object({ items: z.array(z.object({ id: z.number().int(), name: z.string() })) }).meta({ id: "CustomerMatches" })),
              },
              ...pick(400, 401, 403, 503),
            },
          }),
        },
        "/api/health": {
          get: op("Health", "health", "Liveness", {
            security: [],
            responses: { "200": { description: "Up", content: json(z.object({ ok: z.literal(true) })) } },
          }),
        },
        "/api/ready": {
          get: op("Health", "ready", "Readiness", {
            security: [],
            description: "Postgres and Redis reachable and every migration applied; otherwise 503 with one line per problem, naming the setting.",
            responses: {
              "200": { description: "Ready", content: json(readiness) },
              "503": { description: "Not ready: what is missing", content: json(readiness) },
            },
          }),
        },
        "/api/metrics": {
          get: op("Health", "metrics", "Prometheus metrics of this web process", {
            security: [{ metricsToken: [] }],
            description: "Request durations by route pattern, method and status, and the process's own metrics. 404 unless METRICS_TOKEN is set.",
            responses: {
              "200": { description: "Prometheus text exposition format", content: { "text/plain": { schema: z.string() } } },
              "401": E[401],
              "404": problem("METRICS_TOKEN is not set: the route does not exist"),
            },
          }),
        },
      },
    },
    { outputIdSuffix: "" },
  );
}
