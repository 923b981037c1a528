// Job: build one report's PDF and email it. The payload is the report id only —
// everything else is read from Postgres, which stays the source of truth.
import { z } from "zod";
import type { JobDefinition } from "./define.ts";

export const generateReportJob = {
  name: "generate-report",
  payload: z.strictObject({ reportId: z.uuid() }),
} as const satisfies JobDefinition;

export type GenerateReportPayload = z.infer<typeof generateReportJob.payload>;
