// Times the render of a 3-page sales summary (two months by day, one region:
// a cover and two table pages) from in-memory data, so font and tagging costs
// show without a database:
//   npx tsx tools/bench-render.ts [runs=30]
// Prints the median and the spread of `runs` renders after 3 warm-up renders.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { parseReportOrThrow, renderReportToFile } from "../src/index.ts";
import { salesData } from "../test/fixtures.ts";

const runs = Number(process.argv[2] ?? 30);
const params = { from: "2026-09-01", to: "2026-10-31", groupBy: "day", region: "EU" } as const;
const report = parseReportOrThrow("sales-summary", params);
const data = salesData(params);
const dir = await mkdtemp(path.join(os.tmpdir(), "backline-bench-"));
const times: number[] = [];
let pages = 0;
let bytes = 0;
try {
  for (let i = 0; i < runs + 3; i++) {
    const started = performance.now();
    const result = await renderReportToFile({
      report,
      data,
      filePath: path.join(dir, `r${i}.pdf`),
      reportId: "bench",
      generatedAt: new Date("2026-11-22T05:30:00Z"),
    });
    if (i >= 3) times.push(performance.now() - started);
    ({ pages, bytes } = result);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
times.sort((a, b) => a - b);
const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))]?.toFixed(1);
console.log(`sales summary, ${pages} pages, ${bytes} bytes: median ${at(0.5)} ms (min ${at(0)}, p90 ${at(0.9)}) over ${runs} runs`);
