// /settings — your own settings: how reports are printed (paper size, locale),
// personal API tokens for programs, and webhooks that tell a program when a
// report is done (with each delivery and a Resend button).
import type { Metadata } from "next";
import { UtcTime } from "@/components/utc-time";
import { ADMIN_SCOPES, TOKEN_SCOPES } from "@/lib/api/schemas";
import { listTokens } from "@/lib/server/api-tokens";
import { requireActor } from "@/lib/server/session";
import { readSettings } from "@/lib/server/settings";
import { webhookService } from "@/lib/server/webhooks";
import { ADMIN_WEBHOOK_EVENTS, WEBHOOK_EVENTS } from "@backline/webhooks";
import { PreferencesForm, ResendButton, RevokeButton, TokenForm, WebhookForm } from "./settings-forms";

export const metadata: Metadata = { title: "Settings" };
export const dynamic = "force-dynamic";

export default async function SettingsPage() {
  const actor = await requireActor("/settings");
  const [settings, tokens, webhooks] = await Promise.all([readSettings(actor), listTokens(actor), webhookService().list(actor)]);
  const deliveries = await Promise.all(webhooks.map(async (w) => (await webhookService().deliveries(w.id, actor, 10)) ?? []));
  const scopes = TOKEN_SCOPES.filter((s) => actor.admin || !ADMIN_SCOPES.includes(s));
  const events = WEBHOOK_EVENTS.filter((e) => actor.admin || !ADMIN_WEBHOOK_EVENTS.includes(e));

  return (
    <>
      <h1>Settings</h1>
      <p className="lede">How your reports are printed, and how programs use Backline on your behalf.</p>

      <section className="card stack" aria-labelledby="preferences-heading">
        <h2 className="card-title" id="preferences-heading">
          Report preferences
        </h2>
        <PreferencesForm paperSize={settings.paperSize} locale={settings.locale} />
      </section>

      <section className="card stack settings-section" aria-labelledby="tokens-heading" id="tokens">
        <h2 className="card-title" id="tokens-heading">
          API tokens
        </h2>
        <p className="muted">
          A token lets a program call the API as you (<code>Authorization: Bearer …</code>), only where its scopes allow. See the{" "}
          <a href="/api/docs">API reference</a>.
        </p>
        {tokens.length > 0 ? (
          <div className="table-wrap">
            <table className="reports">
              <caption className="visually-hidden">Your API tokens</caption>
              <thead>
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">Scopes</th>
                  <th scope="col">Created</th>
                  <th scope="col">Last used</th>
                  <th scope="col">Expires</th>
                  <th scope="col">Action</th>
                </tr>
              </thead>
              <tbody>
                {tokens.map((t) => (
                  <tr key={t.id}>
                    <td className="wrap">
                      {t.name} <code>{t.prefix}…</code>
                    </td>
                    <td className="wrap">{t.scopes.join(", ")}</td>
                    <td>
                      <UtcTime at={new Date(t.createdAt)} />
                    </td>
                    <td>{t.lastUsedAt ? <UtcTime at={new Date(t.lastUsedAt)} /> : "Never"}</td>
                    <td>{t.expiresAt ? <UtcTime at={new Date(t.expiresAt)} /> : "Never"}</td>
                    <td>
                      <RevokeButton path={`/api/tokens/${t.id}`} label={`Revoke ${t.name}`} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ) : (
          <p>No tokens yet.</p>
        )}
        <TokenForm scopes={scopes} />
      </section>

      <section className="card stack settings-section" aria-labelledby="webhooks-heading" id="webhooks">
        <h2 className="card-title" id="webhooks-heading">
          Webhooks
        </h2>
        <p className="muted">
          Backline POSTs a signed JSON event to your URL when something happens (Standard Webhooks: check <code>webhook-signature</code> with the secret, and
          use <code>webhook-id</code> to ignore repeats). Failed deliveries are retried for about a day.
        </p>
        {webhooks.map((w, i) => (
          <article key={w.id} className="webhook" aria-labelledby={`webhook-${w.id}`}>
            <h3 id={`webhook-${w.id}`} className="webhook-url">
              {w.url}
            </h3>
            <p>
              {w.events.join(", ")}
              {w.disabledAt && (
                <span className="alert error webhook-disabled">Turned off: {w.disabledReason}. Press Resend on a delivery to turn it back on.</span>
              )}
            </p>
            {(deliveries[i] ?? []).length > 0 ? (
              <div className="table-wrap">
                <table className="reports">
                  <caption className="visually-hidden">Latest deliveries to {w.url}</caption>
                  <thead>
                    <tr>
                      <th scope="col">Event</th>
                      <th scope="col">When</th>
                      <th scope="col">Status</th>
                      <th scope="col">Attempts</th>
                      <th scope="col">Action</th>
                    </tr>
                  </thead>
                  <tbody>
                    {(deliveries[i] ?? []).map((d) => {
                      const last = d.attempts.at(-1);
                      return (
                        <tr key={d.id}>
                          <td>{d.type}</td>
                          <td>
                            <UtcTime at={new Date(d.createdAt)} />
                          </td>
                          <td>{d.status}</td>
                          <td>
                            {d.attempts.length}
                            {last && ` (last: ${last.statusCode ?? last.error})`}
                          </td>
                          <td>
                            <ResendButton path={`/api/webhooks/${w.id}/deliveries/${d.id}/resend`} label={`Resend ${d.type}`} />
                          </td>
                        </tr>
                      );
                    })}
                  </tbody>
                </table>
              </div>
            ) : (
              <p className="muted">Nothing sent yet.</p>
            )}
            <RevokeButton path={`/api/webhooks/${w.id}`} label={`Delete webhook ${w.url}`} text="Delete webhook" />
          </article>
        ))}
        <WebhookForm events={events} />
      </section>
    </>
  );
}
