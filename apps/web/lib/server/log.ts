// This web process's logger: JSON lines (pino, the worker's configuration and
// redaction, @backline/config/logger) through process.stdout, so they interleave with Next's own output.
import "server-only";
import { createLogger } from "@backline/config/logger";

export const log = createLogger("backline-web", process.stdout);
