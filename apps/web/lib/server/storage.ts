// Where this web process reads PDFs from (STORAGE_URL, else the folder
// REPORTS_DIR): the same place the workers write them. One per process.
import "server-only";
import { createStorage, type Storage } from "@backline/storage";
import { webEnv } from "./env";

const g = globalThis as { backlineStorage?: Promise<Storage> };

export function storage(): Promise<Storage> {
  return (g.backlineStorage ??= createStorage(webEnv()));
}
