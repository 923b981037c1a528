"use client";
// The admin page's forms: invite an address, remove a user (asks once more
// first), withdraw an invitation. Each calls the admin API and reloads the page.
import { useRouter } from "next/navigation";
import { useId, useState, type FormEvent } from "react";
import { EmailField } from "@/components/email-field";

async function post(path: string, body?: unknown): Promise<{ ok: true } | { ok: false; message: string; field?: string }> {
  try {
    const response = await fetch(path, {
      method: "POST",
      headers: body === undefined ? {} : { "Content-Type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.ok) return { ok: true };
    const answer = await response.json().catch(() => ({}));
    const issue = answer.issues?.[0] as { path: string; message: string } | undefined;
    return { ok: false, message: issue?.message ?? answer.error ?? `The server answered ${response.status}`, field: issue?.path };
  } catch {
    return { ok: false, message: "Could not reach Backline. Check your connection and try again." };
  }
}

export function InviteForm() {
  const id = useId();
  const router = useRouter();
  const [email, setEmail] = useState("");
  const [busy, setBusy] = useState(false);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(null);
  const [done, setDone] = useState<string | null>(null);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setFieldError(null);
    setFormError(null);
    setDone(null);
    const result = await post("/api/admin/users/invitations", { email });
    if (result.ok) {
      setDone(email);
      setEmail("");
      router.refresh();
    } else if (result.field === "email") setFieldError(result.message);
    else setFormError(result.message);
    setBusy(false);
  }

  return (
    <form className="card stack" onSubmit={onSubmit} noValidate aria-labelledby={`${id}-title`}>
      <h2 className="card-title" id={`${id}-title`}>
        Invite someone
      </h2>
      {formError && (
        <div className="alert error" role="alert">
          {formError}
        </div>
      )}
      {done && (
        <p className="alert ok" role="status">
          {done} is invited: they can sign in now (they get no email from this; tell them).
        </p>
      )}
      <EmailField
        id={id}
        value={email}
        onChange={setEmail}
        error={fieldError}
        autoComplete="off"
        placeholder="someone@example.com"
        help="An invited address may sign in whatever its domain. Inviting a removed user restores them."
      />
      <div className="actions">
        <button className="button" type="submit" disabled={busy}>
          {busy ? "Inviting…" : "Invite"}
        </button>
      </div>
    </form>
  );
}

export function RemoveUserButton({ id, email }: { id: string; email: string }) {
  const router = useRouter();
  const [asking, setAsking] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function remove() {
    setBusy(true);
    setError(null);
    const result = await post(`/api/admin/users/${id}/remove`);
    setBusy(false);
    if (result.ok) {
      setAsking(false);
      router.refresh();
    } else setError(result.message);
  }

  if (!asking) {
    return (
      <button className="link-button" type="button" onClick={() => setAsking(true)} aria-label={`Remove ${email}`}>
        Remove
      </button>
    );
  }
  return (
    <div className="actions">
      {/* biome-ignore lint/a11y/noAutofocus: the Remove button that had focus is gone; focus moves to the question that replaced it. */}
      <button className="button secondary" type="button" onClick={remove} disabled={busy} autoFocus>
        {busy ? "Removing…" : `Yes, remove ${email}`}
      </button>
      <button className="link-button" type="button" onClick={() => setAsking(false)} disabled={busy}>
        Keep
      </button>
      {error && (
        <span className="error" role="alert">
          {error}
        </span>
      )}
    </div>
  );
}

export function CancelInvitationButton({ email }: { email: string }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  async function cancel() {
    setBusy(true);
    const result = await post("/api/admin/users/invitations/cancel", { email });
    setBusy(false);
    if (result.ok) router.refresh();
    else setError(result.message);
  }
  return (
    <>
      <button className="link-button" type="button" onClick={cancel} disabled={busy} aria-label={`Withdraw the invitation of ${email}`}>
        {busy ? "Withdrawing…" : "Withdraw"}
      </button>
      {error && (
        <span className="error" role="alert">
          {" "}
          {error}
        </span>
      )}
    </>
  );
}
