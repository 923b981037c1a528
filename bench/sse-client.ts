// A minimal Server-Sent Events client for the bench: node:http plus a small
// frame parser. It stands in for a browser's EventSource (Node 20 has none
// built in): it sends the headers a browser sends — including
// Accept-Encoding, so any response compression is exercised — and decodes
// gzip/deflate/br if the server uses it. BENCH_SSE_ENCODING=identity makes
// the clients ask for an uncompressed stream instead (for comparison). Like
// a browser on the status page, it sends the signed-in user's session cookie:
// the stream is only for the report's owner (anyone else gets a 404).
//
// Each frame is stamped with the time its bytes arrived (the start of the
// `data` callback that completed it), before any JSON parsing, so the cost of
// parsing the other clients' frames is not charged to this one.
import http from "node:http";
import { performance } from "node:perf_hooks";
import zlib from "node:zlib";

/** Milliseconds since the epoch with sub-ms resolution; one clock for the whole bench process. */
export const nowMs = () => performance.timeOrigin + performance.now();

export interface SseFrame {
  event: string;
  data: string;
  id: string | null;
}

export interface SseClient {
  /** Resolves with the HTTP status and content-encoding once the response headers arrive. */
  opened: Promise<{ status: number; encoding: string | null }>;
  /** Resolves (never rejects) when the stream ends or fails, with the error if any. */
  closed: Promise<Error | null>;
  close(): void;
}

export function openSse(
  agent: http.Agent,
  port: number,
  path: string,
  onFrame: (frame: SseFrame, receivedAt: number) => void,
  options: { timeoutMs?: number /** Cookie header value: the report owner's session. */; cookie?: string } = {},
): SseClient {
  const timeoutMs = options.timeoutMs ?? 30_000;
  let resolveOpened!: (v: { status: number; encoding: string | null }) => void;
  let rejectOpened!: (err: Error) => void;
  const opened = new Promise<{ status: number; encoding: string | null }>((res, rej) => ((resolveOpened = res), (rejectOpened = rej)));
  opened.catch(() => {}); // observed through `closed` too
  let resolveClosed!: (err: Error | null) => void;
  const closed = new Promise<Error | null>((res) => (resolveClosed = res));

  let buffer = "";
  const parse = (text: string, receivedAt: number) => {
    buffer += text;
    // better-sse ends lines with "\n"; tolerate "\r\n" as well.
    if (buffer.includes("\r")) buffer = buffer.replace(/\r\n?/g, "\n");
    for (let end = buffer.indexOf("\n\n"); end >= 0; end = buffer.indexOf("\n\n")) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      let event = "message";
      let id: string | null = null;
      const data: string[] = [];
      for (const line of block.split("\n")) {
        if (line === "" || line.startsWith(":")) continue; // comment / keep-alive
        const colon = line.indexOf(":");
        const field = colon < 0 ? line : line.slice(0, colon);
        let value = colon < 0 ? "" : line.slice(colon + 1);
        if (value.startsWith(" ")) value = value.slice(1);
        if (field === "event") event = value;
        else if (field === "data") data.push(value);
        else if (field === "id") id = value;
      }
      if (data.length > 0) onFrame({ event, data: data.join("\n"), id }, receivedAt);
    }
  };

  const req = http.request(
    {
      host: "127.0.0.1",
      port,
      path,
      method: "GET",
      agent,
      headers: {
        accept: "text/event-stream",
        "cache-control": "no-cache",
        "accept-encoding": process.env.BENCH_SSE_ENCODING ?? "gzip, deflate, br",
        ...(options.cookie ? { cookie: options.cookie } : {}),
      },
    },
    (res) => {
      clearTimeout(openTimer);
      const encoding = (res.headers["content-encoding"] as string | undefined) ?? null;
      resolveOpened({ status: res.statusCode ?? 0, encoding });
      let stream: NodeJS.ReadableStream = res;
      if (encoding === "gzip") stream = res.pipe(zlib.createGunzip({ flush: zlib.constants.Z_SYNC_FLUSH }));
      else if (encoding === "deflate") stream = res.pipe(zlib.createInflate({ flush: zlib.constants.Z_SYNC_FLUSH }));
      else if (encoding === "br") stream = res.pipe(zlib.createBrotliDecompress());
      stream.setEncoding("utf8");
      stream.on("data", (chunk: string) => parse(chunk, nowMs()));
      stream.on("end", () => resolveClosed(null));
      stream.on("error", (err: Error) => resolveClosed(err));
      res.on("error", (err) => resolveClosed(err));
      res.on("close", () => resolveClosed(null));
    },
  );
  const openTimer = setTimeout(() => req.destroy(new Error(`no response headers within ${timeoutMs} ms`)), timeoutMs);
  req.on("error", (err) => {
    clearTimeout(openTimer);
    rejectOpened(err);
    resolveClosed(err);
  });
  req.end();

  return {
    opened,
    closed,
    close() {
      clearTimeout(openTimer);
      req.destroy();
    },
  };
}
