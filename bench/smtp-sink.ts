// A lean SMTP sink for the pipeline benchmark. test-kit's startSmtpCapture
// parses and keeps every message (PDF attachment included) with mailparser;
// for thousands of messages that costs CPU on the same 2 cores the worker is
// being measured on, and memory for no use. This one only reads each message
// once, counts it, and remembers its X-Report-Id header, which is all the
// bench verifies ("every report's email arrived, exactly once").
import { SMTPServer } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js"; // internal module, exported by the package

// smtp-server holds every new connection for a fixed 100 ms before its 220
// greeting ("early talker" detection; not configurable in 3.21). With one SMTP
// connection per message (nodemailer without a pool, as the worker uses it),
// that idle wait measured ~105 of the ~140 ms a bare render+send took here —
// the sink, not Backline, would set the pace. So in this process only, greet
// at once. Checked against smtp-server 3.21.6; if the internals change, the
// bench fails loudly below rather than silently keeping the delay.
const proto = (SMTPConnection as unknown as { prototype: Record<string, unknown> } | undefined)?.prototype;
if (!proto || typeof proto.init !== "function" || typeof proto._setListeners !== "function" || typeof proto.connectionReady !== "function") {
  throw new Error("smtp-sink: smtp-server internals changed; update bench/smtp-sink.ts");
}
proto.init = function init(this: { _setListeners(cb: () => void): void; connectionReady(): void }) {
  this._setListeners(() => this.connectionReady());
};

export interface SmtpSink {
  url: string;
  /** Messages fully received (DATA accepted). */
  received(): number;
  /** Distinct X-Report-Id values seen, with how many times each arrived. */
  reportIds: Map<string, number>;
  bytes(): number;
  /** Forget everything received so far (between runs). */
  reset(): void;
  close(): Promise<void>;
}

const HEADER_SCAN_BYTES = 16 * 1024;

export async function startSmtpSink(): Promise<SmtpSink> {
  let received = 0;
  let bytes = 0;
  const reportIds = new Map<string, number>();
  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: nodemailer would otherwise upgrade to TLS and the
    // bench would be measuring handshakes with a self-signed certificate.
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    // smtp-server resolves every client's address (reverse DNS) before the
    // greeting; on this box that alone cost ~100 ms per message — more than
    // rendering the PDF — and would make the sink, not Backline, the thing
    // being measured.
    disableReverseLookup: true,
    size: 50 * 1024 * 1024,
    onData(stream, _session, callback) {
      // Headers come first; keep only enough of the message to read them.
      let head = "";
      let size = 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (head.length < HEADER_SCAN_BYTES) head += chunk.toString("latin1", 0, Math.min(chunk.length, HEADER_SCAN_BYTES));
      });
      stream.on("error", callback);
      stream.on("end", () => {
        const headers = head.split(/\r?\n\r?\n/, 1)[0]!;
        const id = /^X-Report-Id:\s*(\S+)/im.exec(headers)?.[1];
        if (id) reportIds.set(id, (reportIds.get(id) ?? 0) + 1);
        received += 1;
        bytes += size;
        callback();
      });
    },
  });
  server.on("error", () => {}); // a client dropping its connection is not the bench's problem
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    received: () => received,
    bytes: () => bytes,
    reportIds,
    reset() {
      received = 0;
      bytes = 0;
      reportIds.clear();
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
