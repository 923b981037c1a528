// A run's outcome as a badge: its report's status, or Missed.
import type { RunStatus } from "@backline/schedules";
import { STATUS_LABELS } from "@/lib/report-status";

export function ScheduleRunBadge({ status }: { status: RunStatus }) {
  return (
    <span className="badge" data-status={status}>
      {status === "missed" ? "Missed" : STATUS_LABELS[status]}
    </span>
  );
}
