"use client";
// The /settings page's forms: report preferences, a new API token (its secret
// shown once, with a copy button), a new webhook (its signing secret shown
// once), and the revoke/delete and Resend buttons. Each calls the API and
// refreshes the page.
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";

type Answer = { ok: true; body: Record<string, unknown> | null } | { ok: false; message: string; field?: string };

async function send(method: string, path: string, body?: unknown): Promise<Answer> {
  try {
    const response = await fetch(path, {
      method,
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = response.status === 204 ? null : await response.json().catch(() => ({}));
    if (response.ok) return { ok: true, body: answer };
    const issue = answer?.issues?.[0] as { path: string; message: string } | undefined;
    return { ok: false, message: issue ? `${issue.message}` : (answer?.error ?? `The server answered ${response.status}`), field: issue?.path };
  } catch {
    return { ok: false, message: "Could not reach Backline. Check your connection and try again." };
  }
}

function useAction() {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function run(method: string, path: string, body?: unknown): Promise<Record<string, unknown> | null | undefined> {
    if (busy) return undefined;
    setBusy(true);
    setError(null);
    const result = await send(method, path, body);
    setBusy(false);
    if (!result.ok) {
      setError(result.message);
      return undefined;
    }
    router.refresh();
    return result.body;
  }
  return { busy, error, run };
}

const LOCALES = ["en-US", "en-GB", "en-CA", "de-DE", "fr-FR", "es-ES", "es-MX", "it-IT", "nl-NL", "pt-BR", "ja-JP", "zh-CN", "ko-KR", "ar-EG"];

export function PreferencesForm(props: { paperSize: string; locale: string }) {
  const id = useId();
  const { busy, error, run } = useAction();
  const [paperSize, setPaperSize] = useState(props.paperSize);
  const [locale, setLocale] = useState(props.locale);
  const [saved, setSaved] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSaved(false);
    if ((await run("PATCH", "/api/settings", { paperSize, locale })) !== undefined) setSaved(true);
  }

  return (
    <form className="stack" onSubmit={onSubmit} noValidate>
      {error && (
        <div className="alert error" role="alert">
          {error}
        </div>
      )}
      {saved && (
        <p className="alert ok" role="status">
          Saved: your next reports are printed on {paperSize} in {locale}.
        </p>
      )}
      <fieldset>
        <legend>Paper size</legend>
        <div className="choice-row">
          {["A4", "Letter"].map((size) => (
            <label key={size} className="choice">
              <input type="radio" name="paperSize" value={size} checked={paperSize === size} onChange={() => setPaperSize(size)} />
              {size === "A4" ? "A4 (210 × 297 mm)" : "US Letter (8.5 × 11 in)"}
            </label>
          ))}
        </div>
      </fieldset>
      <div className="field">
        <label htmlFor={`${id}-locale`}>Language and region</label>
        <input
          id={`${id}-locale`}
          type="text"
          list={`${id}-locales`}
          value={locale}
          onChange={(e) => setLocale(e.target.value)}
          aria-describedby={`${id}-locale-help`}
        />
        <datalist id={`${id}-locales`}>
          {LOCALES.map((l) => (
            <option key={l} value={l} />
          ))}
        </datalist>
        <p className="help" id={`${id}-locale-help`}>
          A language tag such as en-US or de-DE: numbers, dates and amounts in your reports and their emails follow it.
        </p>
      </div>
      <div className="actions">
        <button className="button" type="submit" disabled={busy}>
          {busy ? "Saving…" : "Save preferences"}
        </button>
      </div>
    </form>
  );
}

function Secret({ label, value, help }: { label: string; value: string; help: string }) {
  const id = useId();
  const [copied, setCopied] = useState(false);
  return (
    <div className="alert ok secret" role="status">
      <label htmlFor={id}>{label}</label>
      <div className="secret-row">
        <input id={id} type="text" readOnly value={value} onFocus={(e) => e.currentTarget.select()} aria-describedby={`${id}-help`} />
        <button
          type="button"
          className="button secondary"
          onClick={() =>
            navigator.clipboard?.writeText(value).then(
              () => setCopied(true),
              () => setCopied(false),
            )
          }
        >
          {copied ? "Copied" : "Copy"}
        </button>
      </div>
      <p className="help" id={`${id}-help`}>
        {help}
      </p>
    </div>
  );
}

/** A set of checkboxes under one legend (a token's scopes, a webhook's events). */
function Choices({ legend, options, chosen, onChange }: { legend: string; options: readonly string[]; chosen: string[]; onChange: (next: string[]) => void }) {
  return (
    <fieldset>
      <legend>{legend}</legend>
      <div className="choice-row">
        {options.map((option) => (
          <label key={option} className="choice">
            <input
              type="checkbox"
              value={option}
              checked={chosen.includes(option)}
              onChange={(e) => onChange(e.target.checked ? [...chosen, option] : chosen.filter((c) => c !== option))}
            />
            {option}
          </label>
        ))}
      </div>
    </fieldset>
  );
}

/** A form that creates something whose secret the server shows once: its fields, then the secret to copy. */
function SecretForm(props: {
  title: string;
  submit: string;
  busy: boolean;
  error: string | null;
  create: () => Promise<string | null>;
  secretLabel: string;
  secretHelp: string;
  children: React.ReactNode;
}) {
  const id = useId();
  const [secret, setSecret] = useState<string | null>(null);
  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    setSecret(null);
    setSecret(await props.create());
  }
  return (
    <form className="stack" onSubmit={onSubmit} noValidate aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{props.title}</h3>
      {props.error && (
        <div className="alert error" role="alert">
          {props.error}
        </div>
      )}
      {secret && <Secret label={props.secretLabel} value={secret} help={props.secretHelp} />}
      {props.children}
      <div className="actions">
        <button className="button" type="submit" disabled={props.busy}>
          {props.submit}
        </button>
      </div>
    </form>
  );
}

export function TokenForm({ scopes }: { scopes: readonly string[] }) {
  const id = useId();
  const { busy, error, run } = useAction();
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>(["reports:write", "reports:read"]);
  const [expiresInDays, setExpiresInDays] = useState("90");

  async function create() {
    const body = await run("POST", "/api/tokens", { name, scopes: chosen, ...(expiresInDays ? { expiresInDays: Number(expiresInDays) } : {}) });
    if (body && typeof body.token === "string") setName("");
    return typeof body?.token === "string" ? body.token : null;
  }

  return (
    <SecretForm
      title="Create a token"
      submit={busy ? "Creating…" : "Create token"}
      busy={busy}
      error={error}
      create={create}
      secretLabel="Your new token"
      secretHelp="Copy it now: it is shown only this once. Backline keeps only a hash of it."
    >
      <div className="field">
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} type="text" value={name} onChange={(e) => setName(e.target.value)} maxLength={100} required placeholder="Nightly export" />
      </div>
      <Choices legend="Scopes" options={scopes} chosen={chosen} onChange={setChosen} />
      <div className="field">
        <label htmlFor={`${id}-expires`}>Expires</label>
        <select id={`${id}-expires`} value={expiresInDays} onChange={(e) => setExpiresInDays(e.target.value)}>
          <option value="7">In 7 days</option>
          <option value="30">In 30 days</option>
          <option value="90">In 90 days</option>
          <option value="365">In a year</option>
          <option value="">Never</option>
        </select>
      </div>
    </SecretForm>
  );
}

export function WebhookForm({ events }: { events: readonly string[] }) {
  const id = useId();
  const { busy, error, run } = useAction();
  const [url, setUrl] = useState("");
  const [chosen, setChosen] = useState<string[]>(["report.sent", "report.failed"]);

  async function create() {
    const body = await run("POST", "/api/webhooks", { url, events: chosen });
    if (body && typeof body.secret === "string") setUrl("");
    return typeof body?.secret === "string" ? body.secret : null;
  }

  return (
    <SecretForm
      title="Add a webhook"
      submit={busy ? "Adding…" : "Add webhook"}
      busy={busy}
      error={error}
      create={create}
      secretLabel="Its signing secret"
      secretHelp="Copy it now: it is shown only this once. Verify each delivery's signature with it."
    >
      <div className="field">
        <label htmlFor={`${id}-url`}>URL</label>
        <input
          id={`${id}-url`}
          type="url"
          inputMode="url"
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          required
          placeholder="https://example.com/hooks/backline"
        />
      </div>
      <Choices legend="Events" options={events} chosen={chosen} onChange={setChosen} />
    </SecretForm>
  );
}

export function RevokeButton({ path, label, text = "Revoke" }: { path: string; label: string; text?: string }) {
  const { busy, error, run } = useAction();
  return (
    <span>
      <button type="button" className="link-button" aria-label={label} disabled={busy} onClick={() => void run("DELETE", path)}>
        {busy ? "…" : text}
      </button>
      {error && <span role="alert"> {error}</span>}
    </span>
  );
}

export function ResendButton({ path, label }: { path: string; label: string }) {
  const { busy, error, run } = useAction();
  const [done, setDone] = useState(false);
  return (
    <span>
      <button type="button" className="link-button" aria-label={label} disabled={busy} onClick={async () => setDone((await run("POST", path)) !== undefined)}>
        {done ? "Queued" : "Resend"}
      </button>
      {error && <span role="alert"> {error}</span>}
    </span>
  );
}
