/**
 * The report cannot be produced because of what it asks for (e.g. a customer
 * that does not exist, or stored params that no longer validate). Retrying will
 * not help; the message is plain words meant for the person who asked.
 */
export class ReportDataError extends Error {
  override name = "ReportDataError";
}
