// Which report types a campaign can send — those made for one recipient — and
// which of their params names the customer.
import type { ReportTypeId } from "@backline/reports";

const CUSTOMER_PARAM: Partial<Record<ReportTypeId, string>> = {
  "customer-statement": "customerId",
};

export const recipientTypeIds = () => Object.keys(CUSTOMER_PARAM);

/** The report params for one recipient, or null when the type is not made per recipient. */
export function recipientParams(type: string, shared: Record<string, unknown>, customerId: number): Record<string, unknown> | null {
  const param = CUSTOMER_PARAM[type as ReportTypeId];
  return param ? { ...shared, [param]: customerId } : null;
}
