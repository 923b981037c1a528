"use client";
// Pause / Resume / Delete on a schedule's page, through the API; the page re-reads after each.
import Link from "next/link";
import { useRouter } from "next/navigation";
import { useState } from "react";

export function ScheduleActions({ id, paused }: { id: string; paused: boolean }) {
  const router = useRouter();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function send(method: "PATCH" | "DELETE", body?: object) {
    setBusy(true);
    setError(null);
    try {
      const response = await fetch(`/api/schedules/${id}`, {
        method,
        headers: body ? { "Content-Type": "application/json" } : undefined,
        body: body ? JSON.stringify(body) : undefined,
      });
      if (!response.ok) {
        const answer = await response.json().catch(() => ({}));
        setError(answer.error ?? `The server answered ${response.status}`);
      } else if (method === "DELETE") {
        router.push("/schedules");
        router.refresh();
        return;
      } else router.refresh();
    } catch {
      setError("Could not reach Backline. Check your connection and try again.");
    }
    setBusy(false);
  }

  return (
    <>
      <div className="actions">
        {paused ? (
          <button className="button" type="button" disabled={busy} onClick={() => send("PATCH", { paused: false })}>
            Resume
          </button>
        ) : (
          <button className="button secondary" type="button" disabled={busy} onClick={() => send("PATCH", { paused: true })}>
            Pause
          </button>
        )}
        <Link className="button secondary" href={`/schedules/${id}/edit`}>
          Edit
        </Link>
        <button
          className="button secondary"
          type="button"
          disabled={busy}
          onClick={() => {
            if (window.confirm("Delete this schedule? Its reports stay; no more runs are made.")) void send("DELETE");
          }}
        >
          Delete
        </button>
      </div>
      {error && (
        <p className="alert error" role="alert">
          {error}
        </p>
      )}
    </>
  );
}
