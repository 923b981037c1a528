// PDFs in an S3-compatible bucket (STORAGE_URL=s3://bucket/prefix, the server at
// S3_ENDPOINT; region and credentials the SDK's standard AWS_REGION,
// AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY). Each attempt uploads its own key as
// a multipart upload that streams (lib-storage's Upload: at most queueSize ×
// partSize bytes buffered, whatever the PDF's size) and becomes visible only
// when the upload completes — the S3 form of `.partial` + rename.
import { Transform, type Readable } from "node:stream";
import {
  AbortMultipartUploadCommand,
  DeleteObjectCommand,
  DeleteObjectsCommand,
  GetObjectCommand,
  HeadBucketCommand,
  HeadObjectCommand,
  ListMultipartUploadsCommand,
  ListObjectsV2Command,
  S3Client,
} from "@aws-sdk/client-s3";
import { Upload } from "@aws-sdk/lib-storage";
import { lazyStream } from "./lazy-stream.ts";
import { NotFoundError, checkKey, type ObjectWriter, type Storage, type StoredObject } from "./types.ts";

export interface S3Location {
  bucket: string;
  /** Key prefix without leading or trailing slash; "" for the bucket's root. */
  prefix: string;
  /** S3_ENDPOINT, e.g. http://127.0.0.1:3900; unset: AWS itself. */
  endpoint?: string | undefined;
  region?: string | undefined;
  accessKeyId?: string | undefined;
  secretAccessKey?: string | undefined;
}

/** Multipart part size: S3's minimum (every part but the last must be at least 5 MiB). */
const PART_BYTES = 5 * 1024 * 1024;
/** Parts uploaded at once per object: with PART_BYTES, at most ~10 MiB of a PDF in memory per upload. */
const PARTS_IN_FLIGHT = 2;
/** Objects deleted at once (DeleteObjects takes up to 1,000; single deletes run this many in parallel). */
const DELETE_BATCH = 1000;
const DELETE_PARALLEL = 16;

function s3Client(location: S3Location): S3Client {
  return new S3Client({
    region: location.region || "us-east-1",
    ...(location.endpoint && { endpoint: location.endpoint }),
    // Path-style addressing (http://endpoint/bucket/key): S3-compatible servers (Garage, SeaweedFS, s3rver) rarely
    // serve virtual-host buckets, and AWS still answers it.
    forcePathStyle: true,
    // Since SDK 3.729 the client adds CRC32 checksums to every upload and validates them on every download by
    // default, which many S3-compatible servers refuse or mangle (aws/aws-sdk-js-v3 #6810, #6994): only where an
    // operation requires one.
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    ...(location.accessKeyId && location.secretAccessKey && { credentials: { accessKeyId: location.accessKeyId, secretAccessKey: location.secretAccessKey } }),
    requestHandler: { connectionTimeout: 5_000, requestTimeout: 60_000 },
  });
}

export function s3Storage(location: S3Location): Storage {
  const client = s3Client(location);
  const { bucket } = location;
  const base = location.prefix ? `${location.prefix}/` : "";
  const url = `s3://${bucket}${location.prefix ? `/${location.prefix}` : ""}`;
  const objectKey = (key: string) => base + checkKey(key);
  /** Whether the server took a DeleteObjects batch; some S3-compatible ones don't (then one DeleteObject each). */
  let batchDeletes = true;

  async function* listAll(prefix: string, delimiter?: string): AsyncGenerator<StoredObject> {
    let token: string | undefined;
    do {
      const page = await client.send(
        new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, ContinuationToken: token, ...(delimiter && { Delimiter: delimiter }) }),
      );
      for (const o of page.Contents ?? []) {
        if (o.Key) yield { key: o.Key.slice(base.length), size: o.Size ?? 0, modified: o.LastModified ?? new Date(0) };
      }
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
  }

  async function deleteKeys(keys: string[]): Promise<void> {
    if (keys.length === 0) return;
    if (batchDeletes) {
      try {
        const out = await client.send(new DeleteObjectsCommand({ Bucket: bucket, Delete: { Objects: keys.map((Key) => ({ Key })), Quiet: true } }));
        const failed = (out.Errors ?? []).filter((e) => e.Code !== "NoSuchKey");
        if (failed.length > 0) throw new Error(`S3 refused to delete ${failed.length} objects (${failed[0]?.Code}: ${failed[0]?.Message})`);
        return;
      } catch (err) {
        if (!unsupported(err)) throw err;
        batchDeletes = false;
      }
    }
    for (let i = 0; i < keys.length; i += DELETE_PARALLEL) {
      await Promise.all(keys.slice(i, i + DELETE_PARALLEL).map((Key) => client.send(new DeleteObjectCommand({ Bucket: bucket, Key }))));
    }
  }

  return {
    url,
    kind: "s3",

    async write(key) {
      const Key = objectKey(key);
      let bytes = 0;
      // Counts what passes, and is the upload's body; its buffer is the back-pressure the renderer waits on.
      const stream = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          bytes += chunk.length;
          callback(null, chunk);
        },
      });
      const upload = new Upload({
        client,
        params: { Bucket: bucket, Key, Body: stream, ContentType: "application/pdf" },
        partSize: PART_BYTES,
        queueSize: PARTS_IN_FLIGHT,
        leavePartsOnError: false,
      });
      const done = upload.done();
      // An upload that fails while the PDF is still being drawn fails the stream, which stops the render.
      done.catch((err: Error) => stream.destroy(err));
      let settled: "committed" | "aborted" | null = null;
      const writer: ObjectWriter = {
        key,
        stream,
        async commit() {
          await done;
          settled = "committed";
          return { bytes };
        },
        async abort() {
          if (settled) return;
          settled = "aborted";
          stream.destroy();
          await upload.abort().catch(() => {});
          await done.catch(() => {});
        },
      };
      return writer;
    },

    read(key) {
      const Key = objectKey(key);
      return lazyStream(async function* () {
        let body: Readable;
        try {
          const object = await client.send(new GetObjectCommand({ Bucket: bucket, Key }));
          body = object.Body as Readable;
        } catch (err) {
          throw notFound(err) ? new NotFoundError(key) : err;
        }
        for await (const chunk of body) yield chunk as Buffer;
      });
    },

    async stat(key) {
      try {
        const head = await client.send(new HeadObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
        return { key, size: head.ContentLength ?? 0, modified: head.LastModified ?? new Date(0) };
      } catch (err) {
        if (notFound(err)) return null;
        throw err;
      }
    },

    async delete(key) {
      await client.send(new DeleteObjectCommand({ Bucket: bucket, Key: objectKey(key) }));
    },

    async deletePrefix(prefix) {
      let count = 0;
      let batch: string[] = [];
      for await (const o of listAll(`${objectKey(prefix)}/`)) {
        batch.push(base + o.key);
        if (batch.length === DELETE_BATCH) {
          await deleteKeys(batch);
          count += batch.length;
          batch = [];
        }
      }
      await deleteKeys(batch);
      return count + batch.length;
    },

    list(prefix = "") {
      return listAll(prefix ? `${objectKey(prefix)}/` : base, "/");
    },

    async purgeIncomplete(before) {
      let count = 0;
      let keyMarker: string | undefined;
      let uploadIdMarker: string | undefined;
      try {
        do {
          const page = await client.send(
            new ListMultipartUploadsCommand({ Bucket: bucket, Prefix: base, KeyMarker: keyMarker, UploadIdMarker: uploadIdMarker }),
          );
          for (const u of page.Uploads ?? []) {
            if (!u.Key || !u.UploadId || !u.Initiated || u.Initiated >= before) continue;
            await client.send(new AbortMultipartUploadCommand({ Bucket: bucket, Key: u.Key, UploadId: u.UploadId }));
            count += 1;
          }
          keyMarker = page.IsTruncated ? page.NextKeyMarker : undefined;
          uploadIdMarker = page.IsTruncated ? page.NextUploadIdMarker : undefined;
        } while (keyMarker);
      } catch (err) {
        // A server that can't list uploads: its own expiry (a lifecycle rule) has to clear them.
        if (!unsupported(err)) throw err;
      }
      return count;
    },

    async problem() {
      try {
        await client.send(new HeadBucketCommand({ Bucket: bucket }), { abortSignal: AbortSignal.timeout(3000) });
        return null;
      } catch (err) {
        const where = `STORAGE_URL=${url}${location.endpoint ? ` at S3_ENDPOINT=${location.endpoint}` : ""}`;
        const e = err as { name?: string; message?: string; $metadata?: { httpStatusCode?: number } };
        const status = e.$metadata?.httpStatusCode;
        const why =
          status === 404 ? "the bucket does not exist" : status === 403 ? "access denied (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY)" : (e.message ?? e.name);
        return `Cannot use the bucket at ${where}: ${why}`;
      }
    },

    close() {
      client.destroy();
    },
  };
}

function notFound(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  return e.name === "NoSuchKey" || e.name === "NotFound" || e.Code === "NoSuchKey" || e.$metadata?.httpStatusCode === 404;
}

/** The server doesn't offer this operation (or rejects the request's form of it). */
function unsupported(err: unknown): boolean {
  const e = err as { name?: string; Code?: string; $metadata?: { httpStatusCode?: number } };
  const code = e.name ?? e.Code;
  return (
    code === "NotImplemented" ||
    code === "MethodNotAllowed" ||
    code === "MissingContentMD5" ||
    code === "InvalidRequest" ||
    e.$metadata?.httpStatusCode === 501 ||
    e.$metadata?.httpStatusCode === 405
  );
}
