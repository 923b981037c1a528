import { Readable } from "node:stream";

/**
 * A byte stream whose source is opened on the first read, not before: an async
 * generator runs only once pulled, and destroying the stream ends it (closing
 * whatever it opened).
 */
export function lazyStream(open: () => AsyncGenerator<Buffer | Uint8Array>): Readable {
  return Readable.from(open(), { objectMode: false });
}
