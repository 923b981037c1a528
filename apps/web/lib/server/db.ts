// The only way web code reaches Postgres. `server-only` makes importing this
// from a client component a build error.
import "server-only";
import { getPrisma } from "@backline/db";
import { webEnv } from "./env";

export const db = () => getPrisma(webEnv().DATABASE_URL);
