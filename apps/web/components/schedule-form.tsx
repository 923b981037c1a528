"use client";
// "Schedule this report": the report and its parameters (fixed, or dates
// relative to each run), when it repeats — a preset or a cron expression — at
// what time, in which time zone (the browser's by default), and what to do with
// empty reports and missed runs. Creates (POST) or edits (PATCH) through the
// API; its field errors come back keyed by path ("cron", "params.from").
import cronstrue from "cronstrue";
import { useRouter } from "next/navigation";
import { useEffect, useId, useMemo, useState, type FormEvent } from "react";
import { ParamField } from "./param-field";
import type { ReportTypeOption } from "./report-form";

export interface ScheduleTypeOption extends ReportTypeOption {
  /** Relative date ranges this type takes, with their labels, and the params they replace. */
  ranges: { id: string; label: string }[];
  relativeFields: string[];
}

interface ScheduleInitial {
  id?: string;
  type: string;
  params: Record<string, unknown>;
  relative: { range: string; days?: number } | null;
  cron: string;
  timeZone: string | null;
  skipIfEmpty: boolean;
  missed: string;
}

interface Props {
  types: ScheduleTypeOption[];
  initial: ScheduleInitial;
  /** Every IANA zone, for the zone field's suggestions. */
  timeZones: string[];
  email: string;
}

const WEEKDAYS = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"];
type Preset = "daily" | "weekdays" | "weekly" | "monthly" | "hourly" | "custom";
const PRESETS: { id: Preset; label: string }[] = [
  { id: "daily", label: "Every day" },
  { id: "weekdays", label: "Every weekday (Monday to Friday)" },
  { id: "weekly", label: "Every week, on a day" },
  { id: "monthly", label: "Every month, on a day" },
  { id: "hourly", label: "Every hour" },
  { id: "custom", label: "Custom (cron expression)" },
];
const MISSED = [
  { id: "latest", label: "Send the most recent missed one, once (recommended)" },
  { id: "skip", label: "Skip them (they are listed as missed)" },
  { id: "all", label: "Send each of them (up to a limit)" },
];

interface Repeat {
  preset: Preset;
  time: string;
  minute: string;
  weekday: string;
  monthDay: string;
  cron: string;
}

/** What a preset means as a cron expression. */
function toCron(r: Repeat): string {
  const [hour = "8", minute = "0"] = r.time.split(":").map((p) => String(Number(p)));
  switch (r.preset) {
    case "daily":
      return `${minute} ${hour} * * *`;
    case "weekdays":
      return `${minute} ${hour} * * 1-5`;
    case "weekly":
      return `${minute} ${hour} * * ${r.weekday}`;
    case "monthly":
      return `${minute} ${hour} ${r.monthDay === "last" ? "L" : r.monthDay} * *`;
    case "hourly":
      return `${Number(r.minute) || 0} * * * *`;
    case "custom":
      return r.cron.trim();
  }
}

/** The preset an expression is, so editing shows the same controls it was made with. */
function fromCron(cron: string): Repeat {
  const base: Repeat = { preset: "custom", time: "08:00", minute: "0", weekday: "1", monthDay: "1", cron };
  const m = /^(\d{1,2}) (\*|\d{1,2}) (\*|L|\d{1,2}) \* (\*|1-5|\d)$/.exec(cron.trim());
  if (!m) return base;
  const [, min, hour, dom, dow] = m as unknown as [string, string, string, string, string];
  const time = `${hour.padStart(2, "0")}:${min.padStart(2, "0")}`;
  if (hour === "*") return dom === "*" && dow === "*" ? { ...base, preset: "hourly", minute: min } : base;
  if (dom === "*" && dow === "*") return { ...base, preset: "daily", time };
  if (dom === "*" && dow === "1-5") return { ...base, preset: "weekdays", time };
  if (dom === "*") return { ...base, preset: "weekly", time, weekday: dow };
  if (dow === "*") return { ...base, preset: "monthly", time, monthDay: dom === "L" ? "last" : dom };
  return base;
}

function inWords(cron: string): string | null {
  try {
    return cronstrue.toString(cron, { use24HourTimeFormat: true, throwExceptionOnParseError: true });
  } catch {
    return null;
  }
}

export function ScheduleForm({ types, initial, timeZones, email }: Props) {
  const router = useRouter();
  const formId = useId();
  const fieldId = (name: string) => `${formId}-${name}`;
  const [typeId, setTypeId] = useState(initial.type);
  const [values, setValues] = useState<Record<string, Record<string, string>>>(() =>
    Object.fromEntries(
      types.map((t) => {
        const given = t.id === initial.type ? initial.params : {};
        return [t.id, Object.fromEntries(t.form.map((f) => [f.name, String(given[f.name] ?? t.defaults[f.name] ?? "")]))];
      }),
    ),
  );
  const [relative, setRelative] = useState(initial.relative?.range ?? "");
  const [days, setDays] = useState(String(initial.relative?.days ?? 7));
  const [repeat, setRepeat] = useState<Repeat>(() => fromCron(initial.cron));
  const [timeZone, setTimeZone] = useState(initial.timeZone ?? "UTC");
  const [skipIfEmpty, setSkipIfEmpty] = useState(initial.skipIfEmpty);
  const [missed, setMissed] = useState(initial.missed);
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [formError, setFormError] = useState<string | null>(null);
  const [submitting, setSubmitting] = useState(false);

  // A new schedule runs in the browser's zone unless the person picks another.
  useEffect(() => {
    if (initial.timeZone === null) setTimeZone(Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC");
  }, [initial.timeZone]);

  const type = types.find((t) => t.id === typeId);
  const cron = toCron(repeat);
  const words = useMemo(() => inWords(cron), [cron]);
  const hidden = new Set(relative ? (type?.relativeFields ?? []) : []);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (!type || submitting) return;
    setSubmitting(true);
    setErrors({});
    setFormError(null);
    const params: Record<string, unknown> = {};
    for (const field of type.form) {
      const raw = values[type.id]?.[field.name] ?? "";
      if (raw !== "" && !hidden.has(field.name)) params[field.name] = field.kind === "customer" ? Number(raw) : raw;
    }
    const body = {
      type: type.id,
      params,
      relative: relative ? { range: relative, ...(relative === "last-n-days" ? { days: Number(days) } : {}) } : null,
      cron,
      timeZone,
      skipIfEmpty,
      missed,
    };
    try {
      const response = await fetch(initial.id ? `/api/schedules/${initial.id}` : "/api/schedules", {
        method: initial.id ? "PATCH" : "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      const answer = await response.json();
      if (response.ok) {
        router.push(`/schedules/${answer.id}`);
        router.refresh();
        return;
      }
      const byField: Record<string, string> = {};
      for (const issue of answer.issues ?? []) byField[issue.path.replace(/^params\./, "")] ??= issue.message;
      setErrors(byField);
      setFormError(answer.error ?? `The server answered ${response.status}`);
    } catch {
      setFormError("Could not reach Backline. Check your connection and try again.");
    }
    setSubmitting(false);
  }

  const errorOf = (name: string) =>
    errors[name] && (
      <span className="error" id={`${fieldId(name)}-error`}>
        {errors[name]}
      </span>
    );
  const described = (name: string) => (errors[name] ? `${fieldId(name)}-error` : undefined);
  const setRepeatField = (patch: Partial<Repeat>) => setRepeat((r) => ({ ...r, ...patch }));

  return (
    <form className="card stack" onSubmit={onSubmit} noValidate>
      {formError && (
        <div className="alert error" role="alert">
          <strong>{formError}</strong>
          {Object.keys(errors).length > 0 && (
            <ul>
              {Object.entries(errors).map(([path, message]) => (
                <li key={path}>
                  {path}: {message}
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
              <input
                type="radio"
                name="type"
                value={t.id}
                checked={t.id === typeId}
                onChange={() => {
                  setTypeId(t.id);
                  if (!t.ranges.some((r) => r.id === relative)) setRelative("");
                }}
              />
              <strong>{t.title}</strong>
              <span>{t.description}</span>
            </label>
          ))}
        </div>
      </fieldset>

      {type && (
        <fieldset>
          <legend>Parameters</legend>
          {type.ranges.length > 0 && (
            <div className="field">
              <label htmlFor={fieldId("relative")}>Dates</label>
              <select id={fieldId("relative")} value={relative} onChange={(e) => setRelative(e.target.value)} aria-describedby={`${fieldId("relative")}-help`}>
                <option value="">Fixed: the dates below, every run</option>
                {type.ranges.map((r) => (
                  <option key={r.id} value={r.id}>
                    Relative to each run: {r.label}
                  </option>
                ))}
              </select>
              <span className="help" id={`${fieldId("relative")}-help`}>
                Relative dates are worked out on the day of each run, in the schedule’s time zone, and printed in the PDF.
              </span>
              {errorOf("relative.range")}
            </div>
          )}
          {relative === "last-n-days" && (
            <div className="field">
              <label htmlFor={fieldId("days")}>Number of days</label>
              <input
                id={fieldId("days")}
                type="number"
                min={1}
                max={366}
                value={days}
                onChange={(e) => setDays(e.target.value)}
                aria-invalid={Boolean(errors["relative.days"]) || undefined}
                aria-describedby={described("relative.days")}
              />
              {errorOf("relative.days")}
            </div>
          )}
          <div className="fields">
            {type.form
              .filter((field) => !hidden.has(field.name))
              .map((field) => (
                <div className="field" key={`${type.id}-${field.name}`}>
                  <label htmlFor={fieldId(field.name)}>{field.label}</label>
                  <ParamField
                    field={field}
                    id={fieldId(field.name)}
                    value={values[type.id]?.[field.name] ?? ""}
                    onChange={(v) => setValues((all) => ({ ...all, [type.id]: { ...all[type.id], [field.name]: v } }))}
                    invalid={Boolean(errors[field.name])}
                    describedBy={described(field.name)}
                  />
                  {errorOf(field.name)}
                </div>
              ))}
          </div>
        </fieldset>
      )}

      <fieldset>
        <legend>When</legend>
        <div className="fields">
          <div className="field">
            <label htmlFor={fieldId("preset")}>Repeat</label>
            <select id={fieldId("preset")} value={repeat.preset} onChange={(e) => setRepeatField({ preset: e.target.value as Preset })}>
              {PRESETS.map((p) => (
                <option key={p.id} value={p.id}>
                  {p.label}
                </option>
              ))}
            </select>
          </div>
          {repeat.preset === "weekly" && (
            <div className="field">
              <label htmlFor={fieldId("weekday")}>On</label>
              <select id={fieldId("weekday")} value={repeat.weekday} onChange={(e) => setRepeatField({ weekday: e.target.value })}>
                {WEEKDAYS.map((d, i) => (
                  <option key={d} value={String(i)}>
                    {d}
                  </option>
                ))}
              </select>
            </div>
          )}
          {repeat.preset === "monthly" && (
            <div className="field">
              <label htmlFor={fieldId("monthDay")}>On day</label>
              <select id={fieldId("monthDay")} value={repeat.monthDay} onChange={(e) => setRepeatField({ monthDay: e.target.value })}>
                {Array.from({ length: 28 }, (_, i) => String(i + 1)).map((d) => (
                  <option key={d} value={d}>
                    {d}
                  </option>
                ))}
                <option value="last">The last day of the month</option>
              </select>
            </div>
          )}
          {repeat.preset === "hourly" && (
            <div className="field">
              <label htmlFor={fieldId("minute")}>At minute</label>
              <input id={fieldId("minute")} type="number" min={0} max={59} value={repeat.minute} onChange={(e) => setRepeatField({ minute: e.target.value })} />
            </div>
          )}
          {repeat.preset !== "hourly" && repeat.preset !== "custom" && (
            <div className="field">
              <label htmlFor={fieldId("time")}>At</label>
              <input id={fieldId("time")} type="time" value={repeat.time} onChange={(e) => setRepeatField({ time: e.target.value })} required />
            </div>
          )}
          {repeat.preset === "custom" && (
            <div className="field">
              <label htmlFor={fieldId("cron")}>Cron expression</label>
              <input
                id={fieldId("cron")}
                value={repeat.cron}
                onChange={(e) => setRepeatField({ cron: e.target.value })}
                placeholder="0 8 * * 1"
                spellCheck={false}
                aria-invalid={Boolean(errors.cron) || undefined}
                aria-describedby={[`${fieldId("cron")}-help`, described("cron")].filter(Boolean).join(" ")}
              />
              <span className="help" id={`${fieldId("cron")}-help`}>
                Five fields: minute, hour, day of month, month, day of week — in the schedule’s time zone.
              </span>
            </div>
          )}
          <div className="field">
            <label htmlFor={fieldId("timeZone")}>Time zone</label>
            <input
              id={fieldId("timeZone")}
              list={`${fieldId("timeZone")}-list`}
              value={timeZone}
              onChange={(e) => setTimeZone(e.target.value)}
              spellCheck={false}
              autoComplete="off"
              aria-invalid={Boolean(errors.timeZone) || undefined}
              aria-describedby={described("timeZone")}
            />
            <datalist id={`${fieldId("timeZone")}-list`}>
              {timeZones.map((z) => (
                <option key={z} value={z} />
              ))}
            </datalist>
            {errorOf("timeZone")}
          </div>
        </div>
        {repeat.preset !== "custom" && errorOf("cron")}
        <p className="muted" aria-live="polite">
          {words ? (
            <>
              {words}, {timeZone} time <code>{cron}</code>
            </>
          ) : (
            "Not a cron expression yet."
          )}
        </p>
      </fieldset>

      <fieldset>
        <legend>Options</legend>
        <label className="check">
          <input type="checkbox" checked={skipIfEmpty} onChange={(e) => setSkipIfEmpty(e.target.checked)} />
          Don’t send a run that has no data (it is listed as “Skipped — no data”)
        </label>
        <div className="field">
          <label htmlFor={fieldId("missed")}>If Backline was down when runs were due</label>
          <select id={fieldId("missed")} value={missed} onChange={(e) => setMissed(e.target.value)}>
            {MISSED.map((m) => (
              <option key={m.id} value={m.id}>
                {m.label}
              </option>
            ))}
          </select>
        </div>
      </fieldset>

      <div className="actions">
        <button className="button" type="submit" disabled={submitting}>
          {submitting ? "Saving…" : initial.id ? "Save changes" : "Create schedule"}
        </button>
        <span className="muted">
          Each run is emailed to <strong>{email}</strong>.
        </span>
      </div>
    </form>
  );
}
