"use client";
// Asks for a magic link. The link comes by email (through the worker), so the
// answer here is "check your inbox", or a field error, or how long to wait.
import { useId, useState, type FormEvent } from "react";
import { signInPath } from "@/lib/safe-path";
import { EmailField } from "./email-field";

interface Props {
  /** Where the link brings the person back to. */
  next: string;
  linkMinutes: number;
  /** Why the last link didn't work, if that's how they got here. */
  linkError: string | null;
}

export function SignInForm({ next, linkMinutes, linkError }: Props) {
  const id = useId();
  const [email, setEmail] = useState("");
  const [sentTo, setSentTo] = useState<string | null>(null);
  const [fieldError, setFieldError] = useState<string | null>(null);
  const [formError, setFormError] = useState<string | null>(linkError);
  const [sending, setSending] = useState(false);

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    if (sending) return;
    setSending(true);
    setFieldError(null);
    setFormError(null);
    try {
      const response = await fetch("/api/auth/sign-in/magic-link", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ email, callbackURL: next, errorCallbackURL: signInPath(next) }),
      });
      if (response.ok) {
        setSentTo(email);
      } else {
        const body = await response.json().catch(() => ({}));
        const emailIssue = body.issues?.find((i: { path: string }) => i.path === "email");
        if (emailIssue) setFieldError(emailIssue.message);
        else setFormError(body.error ?? body.message ?? `The server answered ${response.status}`);
      }
    } catch {
      setFormError("Could not reach Backline. Check your connection and try again.");
    }
    setSending(false);
  }

  if (sentTo) {
    return (
      <section className="card stack" aria-live="polite">
        <h2 className="card-title">Check your inbox</h2>
        <p>
          We sent a sign-in link to <strong>{sentTo}</strong>. It works once, for {linkMinutes} minutes. You can close this tab.
        </p>
        <button className="button secondary" type="button" onClick={() => setSentTo(null)}>
          Use another address
        </button>
      </section>
    );
  }

  return (
    <form className="card stack" onSubmit={onSubmit} noValidate>
      {formError && (
        <div className="alert error" role="alert">
          {formError}
        </div>
      )}
      <EmailField id={id} value={email} onChange={setEmail} error={fieldError} autoComplete="email" placeholder="you@example.com" />
      <div className="actions">
        <button className="button" type="submit" disabled={sending}>
          {sending ? "Sending…" : "Email me a sign-in link"}
        </button>
      </div>
    </form>
  );
}
