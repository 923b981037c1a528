// Renders sample PDFs from in-memory data for eyeballing:
//   npx tsx tools/render-samples.ts /tmp/report-samples
import { parseReportOrThrow, renderReportToFile } from "../src/index.ts";
import { salesData, statementData } from "../test/fixtures.ts";

const dir = process.argv[2] ?? "/tmp/report-samples";
const generatedAt = new Date("2026-11-22T05:30:00Z");
const jobs = [
  { name: "sales-month-by-day", type: "sales-summary", params: { from: "2026-10-01", to: "2026-10-31", groupBy: "day" } },
  { name: "sales-3y-by-day", type: "sales-summary", params: { from: "2023-11-01", to: "2026-10-31", groupBy: "day" } },
  { name: "sales-week-eu", type: "sales-summary", params: { from: "2026-01-01", to: "2026-10-31", groupBy: "week", region: "EU" } },
  { name: "sales-2y-by-month", type: "sales-summary", params: { from: "2024-11-01", to: "2026-10-31", groupBy: "month" } },
  { name: "statement-5", type: "customer-statement", params: { customerId: 42, month: "2026-10" } },
  { name: "statement-40", type: "customer-statement", params: { customerId: 42, month: "2026-10" } },
  { name: "statement-0", type: "customer-statement", params: { customerId: 42, month: "2026-10" } },
] as const;
for (const job of jobs) {
  const data = job.type === "sales-summary" ? salesData({ ...job.params, groupBy: job.params.groupBy }) : statementData(Number(job.name.split("-")[1]));
  const result = await renderReportToFile({
    report: parseReportOrThrow(job.type, job.params),
    data,
    filePath: `${dir}/${job.name}.pdf`,
    reportId: "0193a7c2-5b7e-7c3a-9d1e-3f5a2b1c4d6e",
    generatedAt,
  });
  console.log(job.name, result);
}
