"use client";
// The "Generate report" form. Fields come from each report type's form spec;
// errors come back from the API keyed by path ("params.from"). The PDF goes to
// the signed-in person's address.
import type { FormField } from "@backline/reports";
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { ParamField } from "./param-field";

export interface ReportTypeOption {
  id: string;
  title: string;
  description: string;
  form: FormField[];
  defaults: Record<string, unknown>;
}

interface Props {
  types: ReportTypeOption[];
  /** The signed-in person's address, where the PDF is emailed. */
  email: string;
}

type Values = Record<string, string>;

export function ReportForm({ types, email }: Props) {
  const router = useRouter();
  const formId = useId();
  const [typeId, setTypeId] = useState(types[0]?.id ?? "");
  const [values, setValues] = useState<Record<string, Values>>(() =>
    Object.fromEntries(types.map((t) => [t.id, Object.fromEntries(Object.entries(t.defaults).map(([k, v]) => [k, v === undefined ? "" : String(v)]))])),
  );
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);
  // One key per submission: a double click or a network retry makes one report.
  const [idempotencyKey, setIdempotencyKey] = useState(newKey);

  const type = types.find((t) => t.id === typeId);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!type || submitting) return;
    setSubmitting(true);
    setErrors({});
    setFormError(null);
    const params = paramsOf(type);
    try {
      const response = await fetch("/api/reports", {
        method: "POST",
        headers: { "Content-Type": "application/json", "Idempotency-Key": idempotencyKey },
        body: JSON.stringify({ type: type.id, params }),
      });
      const body = await response.json();
      if (response.status === 202) {
        router.push(`/reports/${body.id}`);
        return;
      }
      if (response.status === 422) setIdempotencyKey(newKey()); // the form changed since: a new submission
      const byField: Record<string, string> = {};
      for (const issue of body.issues ?? []) byField[issue.path.replace(/^params\./, "")] ??= issue.message;
      setErrors(byField);
      setFormError(body.error ?? `The server answered ${response.status}`);
    } catch {
      setFormError("Could not reach Backline. Check your connection and try again.");
    }
    setSubmitting(false);
  }

  /** The request's params: what was filled in (empty fields take the type's defaults). */
  function paramsOf(t: ReportTypeOption): Record<string, unknown> {
    const params: Record<string, unknown> = {};
    for (const field of t.form) {
      const raw = values[t.id]?.[field.name] ?? "";
      if (raw !== "") params[field.name] = field.kind === "customer" ? Number(raw) : raw;
    }
    return params;
  }

  const fieldId = (name: string) => `${formId}-${name}`;
  const describedBy = (name: string, help?: string) =>
    [help && `${fieldId(name)}-help`, errors[name] && `${fieldId(name)}-error`].filter(Boolean).join(" ") || undefined;
  const setValue = (name: string, value: string) => setValues((v) => ({ ...v, [typeId]: { ...v[typeId], [name]: value } }));

  return (
    <form className="card stack" onSubmit={onSubmit} noValidate aria-describedby={formError ? `${formId}-alert` : undefined}>
      {formError && (
        <div className="alert error" role="alert" id={`${formId}-alert`}>
          <strong>{formError}</strong>
          {Object.keys(errors).length > 0 && (
            <ul>
              {Object.entries(errors).map(([path, message]) => (
                <li key={path}>
                  <a href={`#${fieldId(path)}`}>{labelFor(type, path)}</a>: {message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}

      <fieldset>
        <legend>Report</legend>
        <div className="type-options">
          {types.map((t) => (
            <label key={t.id} className="type-option">
              <input type="radio" name="type" value={t.id} checked={t.id === typeId} onChange={() => setTypeId(t.id)} />
              <strong>{t.title}</strong>
              <span>{t.description}</span>
            </label>
          ))}
        </div>
      </fieldset>

      {type && (
        <fieldset>
          <legend>Parameters</legend>
          <div className="fields">
            {type.form.map((field) => (
              <div className="field" key={`${type.id}-${field.name}`}>
                <label htmlFor={fieldId(field.name)}>{field.label}</label>
                <ParamField
                  field={field}
                  id={fieldId(field.name)}
                  value={values[type.id]?.[field.name] ?? ""}
                  onChange={(v) => setValue(field.name, v)}
                  invalid={Boolean(errors[field.name])}
                  describedBy={describedBy(field.name, field.help)}
                />
                {field.help && (
                  <span className="help" id={`${fieldId(field.name)}-help`}>
                    {field.help}
                  </span>
                )}
                {errors[field.name] && (
                  <span className="error" id={`${fieldId(field.name)}-error`}>
                    {errors[field.name]}
                  </span>
                )}
              </div>
            ))}
          </div>
        </fieldset>
      )}

      <div className="actions">
        <button className="button" type="submit" disabled={submitting}>
          {submitting ? "Sending request…" : "Generate report"}
        </button>
        {type && (
          <Link className="button secondary" href={`/schedules/new?${new URLSearchParams({ type: type.id, params: JSON.stringify(paramsOf(type)) })}`}>
            Schedule this report…
          </Link>
        )}
        <span className="muted">
          The PDF is emailed to <strong>{email}</strong>; you’ll get a live status page right away.
        </span>
      </div>
    </form>
  );
}

/** randomUUID needs a secure context; plain-http LAN addresses get random hex instead. */
function newKey(): string {
  if (typeof crypto.randomUUID === "function") return crypto.randomUUID();
  return Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("");
}

function labelFor(type: ReportTypeOption | undefined, path: string) {
  return type?.form.find((f) => f.name === path)?.label ?? path;
}
