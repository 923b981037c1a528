import type { Readable, Writable } from "node:stream";

/** One stored object: its key (relative to the storage's root), size and last write. */
export interface StoredObject {
  key: string;
  size: number;
  modified: Date;
}

/**
 * An object being written. Its bytes go to `stream`; once that has ended,
 * `commit()` makes the object visible under its key (a rename, or the upload's
 * completion) — never before, so a reader never sees half a PDF. On any failure
 * `abort()` leaves nothing behind (safe to call more than once, or after a
 * failed commit).
 */
export interface ObjectWriter {
  readonly key: string;
  readonly stream: Writable;
  /** Waits for the stream to finish, then publishes the object; resolves with its size in bytes. */
  commit(): Promise<{ bytes: number }>;
  abort(): Promise<void>;
}

/**
 * Where PDFs live (STORAGE_URL): a folder (`file:`) or an S3-compatible bucket
 * (`s3://bucket/prefix`). Keys are relative paths with `/` separators, the same
 * strings the rows record (`<report id>-a<n>.pdf`, `campaigns/<id>/<r>-c<n>.pdf`).
 */
export interface Storage {
  /** file:/abs/dir or s3://bucket/prefix (no secrets): for logs and error lines. */
  readonly url: string;
  readonly kind: "file" | "s3";
  /** Starts writing `key` (streaming: memory stays bounded whatever the size). */
  write(key: string): Promise<ObjectWriter>;
  /**
   * The object's bytes. Lazy: nothing is opened until the stream is first read,
   * so a stream built into an email that is never sent holds no file or socket.
   * A missing object errors the stream with a NotFoundError.
   */
  read(key: string): Readable;
  /** Size and last write, or null when there is no such object. */
  stat(key: string): Promise<StoredObject | null>;
  delete(key: string): Promise<void>;
  /** Deletes every object under `prefix/` (a campaign's folder); returns how many. */
  deletePrefix(prefix: string): Promise<number>;
  /** The objects directly under `prefix` ("" for the root), not those in its sub-folders. */
  list(prefix?: string): AsyncIterable<StoredObject>;
  /**
   * Removes writes that never completed and were started before `before` (a
   * worker killed mid-render): `.partial` files, or S3 multipart uploads where
   * the server can list them. Returns how many.
   */
  purgeIncomplete(before: Date): Promise<number>;
  /** Why this storage can't be used right now (one line naming STORAGE_URL), or null. */
  problem(): Promise<string | null>;
  close(): void;
}

export class NotFoundError extends Error {
  override name = "NotFoundError";
  readonly code = "ENOENT";
  constructor(readonly key: string) {
    super(`No stored object ${key}`);
  }
}

/** Refuses keys that could leave the storage's root or name it ambiguously. */
export function checkKey(key: string): string {
  if (!key || key.startsWith("/") || key.includes("\\") || key.split("/").some((part) => part === "" || part === "." || part === ".."))
    throw new RangeError(`Invalid storage key: ${JSON.stringify(key)}`);
  return key;
}
