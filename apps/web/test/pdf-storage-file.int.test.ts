// The PDF pipeline (pdf-pipeline.ts) with STORAGE_URL unset: the folder REPORTS_DIR.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pdfPipelineTests } from "./pdf-pipeline.ts";

pdfPipelineTests("file", async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), "backline-pdf-file-"));
  return { env: { REPORTS_DIR: dir, STORAGE_URL: "" }, close: () => rm(dir, { recursive: true, force: true }) };
});
