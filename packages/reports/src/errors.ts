/**
 * The report cannot be produced because of what it asks for (e.g. a customer
 * that does not exist, or stored params that no longer validate). Retrying will
 * not help; the message is plain words meant for the person who asked.
 */
export class ReportDataError extends Error {
  override name = "ReportDataError";
}

/** The report has no data, and the caller asked not to render an empty one (a schedule that skips empty reports). */
export class EmptyReportError extends Error {
  override name = "EmptyReportError";
  constructor() {
    super("No data for this report");
  }
}
