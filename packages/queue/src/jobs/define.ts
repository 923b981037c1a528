import type { z } from "zod";

export interface JobDefinition {
  /** Stable name, stored in Redis with each job. */
  name: string;
  /** Validated by the producer before enqueue and again by the worker. */
  payload: z.ZodType;
}
