// The PDF pipeline (pdf-pipeline.ts) with STORAGE_URL=s3://…: a bucket on a real S3-protocol server (s3rver) started here.
import { startS3Server } from "@backline/test-kit";
import { pdfPipelineTests } from "./pdf-pipeline.ts";

pdfPipelineTests("s3", async () => {
  const s3 = await startS3Server();
  return { env: { ...s3.env, REPORTS_DIR: "/nonexistent/not-used-with-s3" }, close: () => s3.close() };
});
