// POST /api/campaigns — a campaign (admins only): JSON {type, params, audience, startAt?, ratePerSecond?}, or
// multipart/form-data with fields type, params (JSON), the recipients as `file` (CSV: a customer id or an address
// per row) and optionally startAt, ratePerSecond, skipInvalidRows=true. → 202 {id, total, …} with its recipients
// written; 400 naming fields (CSV rows by line number). GET — every campaign, newest first.
import { csvIssues, parseCampaignRequest, type CampaignInput } from "@backline/campaigns";
import type { FieldIssue } from "@backline/config";
import { recordAdminAction } from "@/lib/server/admin-console";
import { refused, withAdmin } from "@/lib/server/api-frame";
import { campaignService } from "@/lib/server/campaigns";
import { webEnv } from "@/lib/server/env";
import { jsonError, readCappedBody, readJsonBody } from "@/lib/server/http";

export async function POST(request: Request) {
  return withAdmin(request, async (actor) => {
    const read = /^multipart\/form-data/i.test(request.headers.get("content-type") ?? "") ? await readCsvRequest(request) : await readJson(request);
    if (!read.ok) return read.response;
    const result = await campaignService().create(read.input, actor);
    await recordAdminAction(actor, "campaign.create", result.ok ? result.campaign.id : null, result);
    if (!result.ok) return refused(result);
    return Response.json(result.campaign, { status: 202, headers: { Location: `/api/campaigns/${result.campaign.id}`, "Cache-Control": "no-store" } });
  });
}

export async function GET(request: Request) {
  return withAdmin(request, async (actor) => Response.json({ items: await campaignService().list(actor) }, { headers: { "Cache-Control": "no-store" } }));
}

type Read = { ok: true; input: CampaignInput } | { ok: false; response: Response };
const invalid = (issues: FieldIssue[]) => ({ ok: false as const, response: jsonError(400, "Invalid campaign", issues) });

async function readJson(request: Request): Promise<Read> {
  const body = await readJsonBody(request);
  if (!body.ok) return body;
  const parsed = parseCampaignRequest(body.body);
  return parsed.ok ? parsed : invalid(parsed.issues);
}

/** The upload: its fields as the JSON request's, its file as the audience (every row checked, bad ones by line). */
async function readCsvRequest(request: Request): Promise<Read> {
  const bytes = await readCappedBody(request, webEnv().CAMPAIGN_CSV_MAX_BYTES);
  if (!bytes) return { ok: false, response: jsonError(413, `The upload is larger than CAMPAIGN_CSV_MAX_BYTES (${webEnv().CAMPAIGN_CSV_MAX_BYTES} bytes)`) };
  let form: FormData;
  try {
    form = await new Response(new Blob([bytes as Uint8Array<ArrayBuffer>]), { headers: { "content-type": request.headers.get("content-type")! } }).formData();
  } catch {
    return invalid([{ path: "", message: "Not readable as multipart/form-data" }]);
  }
  const file = form.get("file");
  if (!(file instanceof File)) return invalid([{ path: "file", message: "Attach the recipients as a CSV file named `file`" }]);
  let params: unknown = {};
  try {
    params = JSON.parse(String(form.get("params") ?? "{}"));
  } catch {
    return invalid([{ path: "params", message: "Must be JSON" }]);
  }
  const rate = form.get("ratePerSecond");
  const fields = {
    type: form.get("type") ?? undefined,
    params,
    audience: { kind: "all-customers" }, // checked here as a shape only; the file decides who
    ...(form.get("startAt") ? { startAt: form.get("startAt") } : {}),
    ...(rate ? { ratePerSecond: Number(rate) } : {}),
  };
  const parsed = parseCampaignRequest(fields);
  if (!parsed.ok) return invalid(parsed.issues);
  const csv = await campaignService().recipientsFromCsv(await file.text());
  if (csv.rejected.length > 0 && form.get("skipInvalidRows") !== "true") return invalid(csvIssues(csv.rejected));
  if (csv.ids.length === 0) return invalid([{ path: "file", message: "The file names no known customer" }]);
  return {
    ok: true,
    input: {
      ...parsed.input,
      audience: { kind: "csv", fileName: file.name.slice(0, 200), rows: csv.ids.length + csv.rejected.length, rejected: csv.rejected.slice(0, 1000) },
      ids: csv.ids,
    },
  };
}
