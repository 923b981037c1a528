// PDFs in a folder (STORAGE_URL=file:…, by default REPORTS_DIR). An object is
// written as `<key>.partial` and renamed into place once complete; every process
// that serves or sends PDFs must see the same folder (one machine, or a shared mount).
import { once } from "node:events";
import fs from "node:fs";
import { mkdir, readdir, rename, rm, stat } from "node:fs/promises";
import path from "node:path";
import { lazyStream } from "./lazy-stream.ts";
import { NotFoundError, checkKey, type ObjectWriter, type Storage, type StoredObject } from "./types.ts";

const PARTIAL = ".partial";

export function fileStorage(dir: string): Storage {
  const root = path.resolve(dir);
  const full = (key: string) => path.join(root, checkKey(key));

  return {
    url: `file:${root}`,
    kind: "file",

    async write(key) {
      const target = full(key);
      const partial = `${target}${PARTIAL}`;
      await mkdir(path.dirname(target), { recursive: true });
      const stream = fs.createWriteStream(partial);
      let created = false;
      stream.once("open", () => void (created = true));
      let settled: "committed" | "aborted" | null = null;
      const writer: ObjectWriter = {
        key,
        stream,
        async commit() {
          if (!stream.writableFinished) await once(stream, "finish"); // rejects on 'error'
          if (!stream.closed) await once(stream, "close");
          await rename(partial, target);
          settled = "committed";
          return { bytes: stream.bytesWritten };
        },
        async abort() {
          if (settled) return;
          settled = "aborted";
          stream.destroy();
          // Wait until the file is closed (its open may still be pending), then delete it, but only if this writer made it.
          if (!stream.closed) await once(stream, "close").catch(() => {});
          if (created) await rm(partial, { force: true }).catch(() => {});
        },
      };
      return writer;
    },

    read(key) {
      const file = full(key);
      return lazyStream(async function* () {
        try {
          for await (const chunk of fs.createReadStream(file)) yield chunk as Buffer;
        } catch (err) {
          throw (err as NodeJS.ErrnoException).code === "ENOENT" ? new NotFoundError(key) : err;
        }
      });
    },

    async stat(key) {
      try {
        const s = await stat(full(key));
        return s.isFile() ? { key, size: s.size, modified: s.mtime } : null;
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === "ENOENT") return null;
        throw err;
      }
    },

    async delete(key) {
      await rm(full(key), { force: true });
    },

    async deletePrefix(prefix) {
      const folder = full(prefix);
      let count = 0;
      for await (const _ of walk(folder)) count += 1;
      await rm(folder, { recursive: true, force: true });
      return count;
    },

    async *list(prefix = "") {
      const folder = prefix ? full(prefix) : root;
      const entries = await readdir(folder, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) => (err.code === "ENOENT" ? [] : Promise.reject(err)));
      for (const entry of entries) {
        if (!entry.isFile() || entry.name.endsWith(PARTIAL)) continue;
        const s = await stat(path.join(folder, entry.name)).catch(() => null);
        if (s) yield { key: prefix ? `${prefix}/${entry.name}` : entry.name, size: s.size, modified: s.mtime } satisfies StoredObject;
      }
    },

    async purgeIncomplete(before) {
      let count = 0;
      for await (const file of walk(root)) {
        if (!file.endsWith(PARTIAL)) continue;
        // A render in progress keeps its partial file's mtime fresh.
        const s = await stat(file).catch(() => null);
        if (s && s.mtime < before) {
          await rm(file, { force: true });
          count += 1;
        }
      }
      return count;
    },

    async problem() {
      try {
        await mkdir(root, { recursive: true });
        await fs.promises.access(root, fs.constants.W_OK | fs.constants.R_OK);
        return null;
      } catch (err) {
        return `Cannot use the reports folder at STORAGE_URL=file:${root} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`;
      }
    },

    close() {},
  };
}

/** Every file under `dir`, depth first (nothing when it doesn't exist). */
async function* walk(dir: string): AsyncGenerator<string> {
  const entries = await readdir(dir, { withFileTypes: true }).catch((err: NodeJS.ErrnoException) =>
    err.code === "ENOENT" || err.code === "ENOTDIR" ? [] : Promise.reject(err),
  );
  for (const entry of entries) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) yield* walk(p);
    else if (entry.isFile()) yield p;
  }
}
