/// <reference path="./s3rver.d.ts" />
// A real S3-protocol server for tests: s3rver (Koa, files in a temp folder) on a
// free loopback port, in this process, with one bucket. `env` is what a web or
// worker process needs to keep its PDFs there (STORAGE_URL, S3_ENDPOINT and the
// SDK's standard AWS_* names).
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { freePort } from "./processes.ts";

export interface S3Server {
  endpoint: string;
  bucket: string;
  /** STORAGE_URL (s3://bucket/prefix), S3_ENDPOINT, AWS_REGION, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY. */
  env: Record<string, string>;
  close(): Promise<void>;
}

/** s3rver's fixed credentials (it checks request signatures against them). */
const KEY = "S3RVER";

export async function startS3Server(options: { bucket?: string; prefix?: string } = {}): Promise<S3Server> {
  const { default: S3rver } = await import("s3rver");
  const bucket = options.bucket ?? "backline-test";
  const prefix = options.prefix ?? "reports";
  const directory = await mkdtemp(path.join(os.tmpdir(), "backline-s3-"));
  const port = await freePort();
  const server = new S3rver({ address: "127.0.0.1", port, silent: true, directory, configureBuckets: [{ name: bucket }] });
  await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    env: {
      STORAGE_URL: `s3://${bucket}/${prefix}`,
      S3_ENDPOINT: endpoint,
      AWS_REGION: "us-east-1",
      AWS_ACCESS_KEY_ID: KEY,
      AWS_SECRET_ACCESS_KEY: KEY,
    },
    async close() {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
