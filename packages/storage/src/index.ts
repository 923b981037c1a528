// The one place PDFs are written, read and deleted: a folder or an S3-compatible
// bucket, chosen by STORAGE_URL (see types.ts for the interface).
import type { StorageLocation } from "@backline/config";
import { fileStorage } from "./file-storage.ts";
import type { Storage } from "./types.ts";

export { fileStorage } from "./file-storage.ts";
export { NotFoundError, checkKey, type ObjectWriter, type Storage, type StoredObject } from "./types.ts";

export interface StorageSettings {
  STORAGE_URL?: StorageLocation | undefined;
  REPORTS_DIR: string;
  S3_ENDPOINT?: string | undefined;
  AWS_REGION?: string | undefined;
  AWS_ACCESS_KEY_ID?: string | undefined;
  AWS_SECRET_ACCESS_KEY?: string | undefined;
}

/**
 * The storage these settings name: STORAGE_URL, or the folder REPORTS_DIR when it
 * is unset. The S3 client is loaded only for an s3:// URL.
 */
export async function createStorage(env: StorageSettings): Promise<Storage> {
  const location = env.STORAGE_URL ?? { kind: "file" as const, dir: env.REPORTS_DIR };
  if (location.kind === "file") return fileStorage(location.dir);
  const { s3Storage } = await import("./s3-storage.ts");
  return s3Storage({
    bucket: location.bucket,
    prefix: location.prefix,
    endpoint: env.S3_ENDPOINT,
    region: env.AWS_REGION,
    accessKeyId: env.AWS_ACCESS_KEY_ID,
    secretAccessKey: env.AWS_SECRET_ACCESS_KEY,
  });
}
