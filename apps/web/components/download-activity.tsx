// The status page's record of download links and downloads (server-rendered):
// who downloaded the PDF, when, from where, and a way for the owner to revoke
// every link (the emailed one included) if it went somewhere it shouldn't.
import type { DownloadActivity as Activity } from "@backline/report-service";
import { UtcTime } from "./utc-time";

interface Props {
  reportId: string;
  activity: Activity;
  /** Only the owner may revoke. */
  canRevoke: boolean;
  /** Set after a revoke: how many links it stopped. */
  revoked: number | null;
}

export function DownloadActivity({ reportId, activity, canRevoke, revoked }: Props) {
  const { activeLinks, totalDownloads, latest } = activity;
  return (
    <section className="card stack" aria-labelledby="downloads-heading">
      <h2 id="downloads-heading" className="card-title">
        Downloads
      </h2>
      {revoked !== null && (
        <p role="status" className="alert ok">
          Revoked {revoked} link{revoked === 1 ? "" : "s"}. Anyone opening {revoked === 1 ? "it" : "them"} now gets “link no longer works”.
        </p>
      )}
      <p className="muted" data-testid="download-summary">
        {activeLinks} active download link{activeLinks === 1 ? "" : "s"} · downloaded {totalDownloads} time{totalDownloads === 1 ? "" : "s"}
      </p>
      {latest.length > 0 && (
        <ul className="links-list">
          {latest.map((d) => (
            <li key={d.id}>
              <UtcTime at={d.at} /> from {d.ip ?? "an unknown address"} {d.withLink ? "with a link" : "while signed in"}
            </li>
          ))}
        </ul>
      )}
      {canRevoke && activeLinks > 0 && (
        <form method="post" action={`/api/reports/${reportId}/download-links/revoke`}>
          <button className="button secondary" type="submit">
            Revoke all download links
          </button>
        </form>
      )}
    </section>
  );
}
