"use client";
// "New campaign": a per-recipient report (the customer statement) and its
// shared params, an audience — every customer, one region, a list of ids, or a
// CSV upload — a start time and an optional rate cap. Preview counts the
// audience and emails the first recipient's report to the admin before
// anything goes to a customer.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { ParamField } from "./param-field";
import type { ReportTypeOption } from "./report-form";

interface Props {
  /** Per-recipient report types, without the field that names the customer (each recipient fills it). */
  types: ReportTypeOption[];
  regions: { code: string; name: string }[];
  email: string;
}

type AudienceKind = "all-customers" | "region" | "customers" | "csv";
interface Preview {
  total: number;
  first: { id: number; name: string; email: string } | null;
  report: { id: string; statusUrl: string } | null;
}

export function CampaignForm({ types, regions, email }: Props) {
  const router = useRouter();
  const id = useId();
  const fieldId = (name: string) => `${id}-${name}`;
  const [typeId, setTypeId] = useState(types[0]?.id ?? "");
  const type = types.find((t) => t.id === typeId);
  const [values, setValues] = useState<Record<string, string>>(() =>
    Object.fromEntries(Object.entries(type?.defaults ?? {}).map(([k, v]) => [k, v === undefined ? "" : String(v)])),
  );
  const [kind, setKind] = useState<AudienceKind>("all-customers");
  const [region, setRegion] = useState(regions[0]?.code ?? "");
  const [ids, setIds] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [skipInvalidRows, setSkipInvalidRows] = useState(false);
  const [startAt, setStartAt] = useState("");
  const [rate, setRate] = useState("");
  const [preview, setPreview] = useState<Preview | null>(null);
  const [errors, setErrors] = useState<{ path: string; message: string }[]>([]);
  const [formError, setFormError] = useState<string | null>(null);
  const [busy, setBusy] = useState<"preview" | "start" | null>(null);

  const params = () => Object.fromEntries(Object.entries(values).filter(([, v]) => v !== ""));
  const audience = () =>
    kind === "region"
      ? { kind, region }
      : kind === "customers"
        ? {
            kind,
            ids: ids
              .split(/[\s,;]+/)
              .filter(Boolean)
              .map(Number),
          }
        : { kind: "all-customers" as const };
  const extras = () => ({ ...(startAt ? { startAt: new Date(startAt).toISOString() } : {}), ...(rate ? { ratePerSecond: Number(rate) } : {}) });

  async function send(path: string, init: RequestInit): Promise<{ ok: boolean; body: Record<string, unknown> }> {
    setErrors([]);
    setFormError(null);
    try {
      const response = await fetch(path, init);
      const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
      if (!response.ok) {
        setErrors((body.issues as { path: string; message: string }[]) ?? []);
        setFormError((body.error as string) ?? `The server answered ${response.status}`);
      }
      return { ok: response.ok, body };
    } catch {
      setFormError("Could not reach Backline. Check your connection and try again.");
      return { ok: false, body: {} };
    }
  }

  async function onPreview() {
    setBusy("preview");
    const { ok, body } = await send("/api/campaigns/preview", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ type: typeId, params: params(), audience: audience() }),
    });
    setPreview(ok ? (body as unknown as Preview) : null);
    setBusy(null);
  }

  async function onStart(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setBusy("start");
    let init: RequestInit;
    if (kind === "csv") {
      const form = new FormData();
      form.set("type", typeId);
      form.set("params", JSON.stringify(params()));
      if (file) form.set("file", file);
      if (skipInvalidRows) form.set("skipInvalidRows", "true");
      for (const [k, v] of Object.entries(extras())) form.set(k, String(v));
      init = { method: "POST", body: form };
    } else {
      init = {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ type: typeId, params: params(), audience: audience(), ...extras() }),
      };
    }
    const { ok, body } = await send("/api/campaigns", init);
    if (ok) {
      router.push(`/campaigns/${body.id as string}`);
      return;
    }
    setBusy(null);
  }

  return (
    <form className="card stack" onSubmit={onStart} noValidate>
      {formError && (
        <div className="alert error" role="alert">
          <strong>{formError}</strong>
          {errors.length > 0 && (
            <ul>
              {errors.slice(0, 20).map((e) => (
                <li key={`${e.path}-${e.message}`}>
                  {e.path ? `${e.path}: ` : ""}
                  {e.message}
                </li>
              ))}
              {errors.length > 20 && <li>… and {errors.length - 20} more</li>}
            </ul>
          )}
        </div>
      )}
      <fieldset>
        <legend>What each recipient gets</legend>
        <div className="fields">
          <div className="field">
            <label htmlFor={fieldId("type")}>Report</label>
            <select id={fieldId("type")} value={typeId} onChange={(e) => setTypeId(e.target.value)}>
              {types.map((t) => (
                <option key={t.id} value={t.id}>
                  {t.title}
                </option>
              ))}
            </select>
          </div>
          {type?.form.map((field) => (
            <div className="field" key={field.name}>
              <label htmlFor={fieldId(field.name)}>{field.label}</label>
              <ParamField
                field={field}
                id={fieldId(field.name)}
                value={values[field.name] ?? ""}
                onChange={(v) => setValues((all) => ({ ...all, [field.name]: v }))}
                invalid={errors.some((e) => e.path === `params.${field.name}`)}
              />
            </div>
          ))}
        </div>
      </fieldset>

      <fieldset>
        <legend>Who gets it</legend>
        <div className="type-options">
          {(
            [
              ["all-customers", "All customers"],
              ["region", "Customers of one region"],
              ["customers", "A list of customer ids"],
              ["csv", "A CSV file of customer ids or addresses"],
            ] as const
          ).map(([value, label]) => (
            <label key={value} className="type-option">
              <input type="radio" name="audience" value={value} checked={kind === value} onChange={() => setKind(value)} />
              <strong>{label}</strong>
            </label>
          ))}
        </div>
        {kind === "region" && (
          <div className="field">
            <label htmlFor={fieldId("region")}>Region</label>
            <select id={fieldId("region")} value={region} onChange={(e) => setRegion(e.target.value)}>
              {regions.map((r) => (
                <option key={r.code} value={r.code}>
                  {r.name}
                </option>
              ))}
            </select>
          </div>
        )}
        {kind === "customers" && (
          <div className="field">
            <label htmlFor={fieldId("ids")}>Customer ids</label>
            <textarea id={fieldId("ids")} rows={3} value={ids} onChange={(e) => setIds(e.target.value)} placeholder="12, 40, 41" />
          </div>
        )}
        {kind === "csv" && (
          <>
            <div className="field">
              <label htmlFor={fieldId("file")}>CSV file</label>
              <input
                id={fieldId("file")}
                type="file"
                accept=".csv,text/csv"
                onChange={(e) => setFile(e.target.files?.[0] ?? null)}
                aria-describedby={`${fieldId("file")}-help`}
              />
              <span className="help" id={`${fieldId("file")}-help`}>
                One customer per row: a customer id or an email address in the first column. Rows naming nobody are listed by line.
              </span>
            </div>
            <label className="check">
              <input type="checkbox" checked={skipInvalidRows} onChange={(e) => setSkipInvalidRows(e.target.checked)} />
              Send to the valid rows even if some rows name nobody
            </label>
          </>
        )}
      </fieldset>

      <fieldset>
        <legend>When and how fast</legend>
        <div className="fields">
          <div className="field">
            <label htmlFor={fieldId("startAt")}>Start</label>
            <input
              id={fieldId("startAt")}
              type="datetime-local"
              value={startAt}
              onChange={(e) => setStartAt(e.target.value)}
              aria-describedby={`${fieldId("startAt")}-help`}
            />
            <span className="help" id={`${fieldId("startAt")}-help`}>
              Empty: right away. Otherwise in your browser’s time zone.
            </span>
          </div>
          <div className="field">
            <label htmlFor={fieldId("rate")}>At most, emails per second</label>
            <input id={fieldId("rate")} type="number" min={1} value={rate} onChange={(e) => setRate(e.target.value)} placeholder="No cap of its own" />
          </div>
        </div>
      </fieldset>

      {preview && (
        <div className="alert ok" role="status">
          {preview.first ? (
            <>
              {preview.total.toLocaleString("en")} recipients. The first, {preview.first.name} ({preview.first.email}), would get the report now on its way to{" "}
              <strong>your</strong> inbox ({email}) — {preview.report && <Link href={preview.report.statusUrl}>follow it</Link>}.
            </>
          ) : (
            "This audience reaches nobody."
          )}
        </div>
      )}

      <div className="actions">
        {kind !== "csv" && (
          <button className="button secondary" type="button" onClick={onPreview} disabled={busy !== null}>
            {busy === "preview" ? "Preparing a preview…" : "Preview"}
          </button>
        )}
        <button className="button" type="submit" disabled={busy !== null}>
          {busy === "start" ? "Creating…" : startAt ? "Schedule campaign" : "Start campaign"}
        </button>
      </div>
    </form>
  );
}
