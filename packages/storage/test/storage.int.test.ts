// The storage interface against both backends: a temp folder, and a real
// S3-protocol server (s3rver) started here. The same tests run on each.
import { randomBytes } from "node:crypto";
import { existsSync } from "node:fs";
import { mkdtemp, readdir, rm, utimes } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { parseStorageUrl } from "@backline/config";
import { startS3Server, type S3Server } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NotFoundError, createStorage, type Storage } from "../src/index.ts";

async function readAll(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

async function put(storage: Storage, key: string, bytes: Buffer) {
  const writer = await storage.write(key);
  await pipeline(Readable.from([bytes]), writer.stream);
  return writer.commit();
}

let s3: S3Server;
let dir: string;
const backends: Record<string, () => Promise<Storage>> = {
  file: () => createStorage({ REPORTS_DIR: dir }),
  s3: () =>
    createStorage({
      REPORTS_DIR: "/nonexistent",
      STORAGE_URL: parseStorageUrl(s3.env.STORAGE_URL!)!,
      S3_ENDPOINT: s3.env.S3_ENDPOINT,
      AWS_REGION: s3.env.AWS_REGION,
      AWS_ACCESS_KEY_ID: s3.env.AWS_ACCESS_KEY_ID,
      AWS_SECRET_ACCESS_KEY: s3.env.AWS_SECRET_ACCESS_KEY,
    }),
};

beforeAll(async () => {
  s3 = await startS3Server();
  dir = await mkdtemp(path.join(os.tmpdir(), "backline-storage-"));
});
afterAll(async () => {
  await s3?.close();
  await rm(dir, { recursive: true, force: true });
});

describe.each(Object.keys(backends))("%s storage", (kind) => {
  let storage: Storage;
  beforeAll(async () => {
    storage = await backends[kind]!();
  });
  afterAll(() => storage?.close());

  it("is reachable", async () => {
    expect(storage.kind).toBe(kind);
    expect(await storage.problem()).toBeNull();
  });

  it("writes an object that is invisible until committed, then reads, sizes and deletes it", async () => {
    const bytes = randomBytes(200_000);
    const writer = await storage.write("r1-a1.pdf");
    writer.stream.write(bytes.subarray(0, 100_000));
    expect(await storage.stat("r1-a1.pdf")).toBeNull();
    writer.stream.end(bytes.subarray(100_000));
    expect(await writer.commit()).toEqual({ bytes: bytes.length });
    expect((await storage.stat("r1-a1.pdf"))?.size).toBe(bytes.length);
    expect((await readAll(storage.read("r1-a1.pdf"))).equals(bytes)).toBe(true);
    await storage.delete("r1-a1.pdf");
    expect(await storage.stat("r1-a1.pdf")).toBeNull();
    await storage.delete("r1-a1.pdf"); // deleting what is gone is fine
  });

  it("streams an object larger than one multipart part (12 MiB) and reads it back intact", async () => {
    const bytes = randomBytes(12 * 1024 * 1024);
    const chunks = Array.from({ length: 192 }, (_, i) => bytes.subarray(i * 65536, (i + 1) * 65536));
    const writer = await storage.write("big-a1.pdf");
    await pipeline(Readable.from(chunks), writer.stream);
    expect(await writer.commit()).toEqual({ bytes: bytes.length });
    expect((await readAll(storage.read("big-a1.pdf"))).equals(bytes)).toBe(true);
    await storage.delete("big-a1.pdf");
  });

  it("an aborted write leaves nothing", async () => {
    const writer = await storage.write("aborted-a1.pdf");
    writer.stream.write(randomBytes(1000));
    await writer.abort();
    await writer.abort();
    expect(await storage.stat("aborted-a1.pdf")).toBeNull();
    expect((await listKeys(storage)).filter((k) => k.startsWith("aborted"))).toEqual([]);
    if (kind === "file") expect((await readdir(dir)).filter((f) => f.startsWith("aborted"))).toEqual([]);
  });

  it("read is lazy (nothing opened until read) and a missing object fails the stream with NotFoundError", async () => {
    const stream = storage.read("missing.pdf");
    const err = await readAll(stream).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    storage.read("never-read.pdf").destroy(); // no error, nothing to clean up
  });

  it("lists the objects directly under a folder, and deletes a folder with everything in it", async () => {
    await put(storage, "top-a1.pdf", Buffer.from("top"));
    for (let i = 0; i < 5; i++) await put(storage, `campaigns/c1/${i}-c1.pdf`, Buffer.from(`pdf ${i}`));
    await put(storage, "campaigns/c2/0-c1.pdf", Buffer.from("other campaign"));
    const top = await listKeys(storage);
    expect(top).toContain("top-a1.pdf");
    expect(top.some((k) => k.startsWith("campaigns"))).toBe(false);
    expect((await listKeys(storage, "campaigns/c1")).sort()).toEqual([0, 1, 2, 3, 4].map((i) => `campaigns/c1/${i}-c1.pdf`));
    expect(await storage.deletePrefix("campaigns/c1")).toBe(5);
    expect(await listKeys(storage, "campaigns/c1")).toEqual([]);
    expect(await listKeys(storage, "campaigns/c2")).toEqual(["campaigns/c2/0-c1.pdf"]);
    expect(await storage.deletePrefix("campaigns/none")).toBe(0);
  });

  it("refuses keys that could leave its root", async () => {
    for (const key of ["../x.pdf", "/etc/passwd", "a//b.pdf", "a/./b.pdf", ""]) {
      await expect(async () => storage.stat(key)).rejects.toThrow(/Invalid storage key/);
    }
  });

  if (kind === "file") {
    it("purges .partial files of writes that never finished, once old", async () => {
      const writer = await storage.write("campaigns/c3/killed-c1.pdf");
      writer.stream.write("half");
      await new Promise((r) => writer.stream.once("ready", r));
      const partial = path.join(dir, "campaigns/c3/killed-c1.pdf.partial");
      expect(await storage.purgeIncomplete(new Date(Date.now() - 3600_000))).toBe(0);
      const old = new Date(Date.now() - 2 * 3600_000);
      await utimes(partial, old, old);
      expect(await storage.purgeIncomplete(new Date(Date.now() - 3600_000))).toBe(1);
      expect(existsSync(partial)).toBe(false);
      writer.stream.destroy();
    });
  } else {
    it("purging incomplete uploads works or is told unsupported by the server (s3rver can't list them)", async () => {
      expect(await storage.purgeIncomplete(new Date())).toBe(0);
    });
  }
});

describe("storage settings", () => {
  it("a bad endpoint or bucket is one line naming STORAGE_URL", async () => {
    const wrong = await createStorage({
      REPORTS_DIR: "/x",
      STORAGE_URL: { kind: "s3", bucket: "no-such-bucket", prefix: "" },
      S3_ENDPOINT: s3.endpoint,
      AWS_ACCESS_KEY_ID: "S3RVER",
      AWS_SECRET_ACCESS_KEY: "S3RVER",
    });
    expect(await wrong.problem()).toMatch(
      /^Cannot use the bucket at STORAGE_URL=s3:\/\/no-such-bucket at S3_ENDPOINT=http:\/\/127\.0\.0\.1:\d+: the bucket does not exist$/,
    );
    wrong.close();
  });
});

async function listKeys(storage: Storage, prefix?: string): Promise<string[]> {
  const keys: string[] = [];
  for await (const o of storage.list(prefix)) keys.push(o.key);
  return keys;
}
