// One SMTP server for every test and tool, on a random loopback port
// (smtp-server 3.21). It can
//   - keep what it accepts two ways: `keep: "parsed"` (default) parses each
//     message with mailparser and keeps it (`messages`, `waitFor`), for tests that
//     read what was sent; `keep: "headers"` reads only the headers from the first
//     16 KB of the stream (X-Report-Id, Message-ID, the other X- headers) and
//     drops the body, for load runs where parsing thousands of PDFs would cost
//     the CPU being measured. Either way `accepted` lists every message it took,
//     and `byReport` groups them by X-Report-Id;
//   - misbehave on purpose (`setMode`): `down` stops listening (sessions in
//     progress finish), `421-mail` answers MAIL FROM with 421, `421-data` reads
//     the message and answers 421, `drop-after-data` keeps the message and drops
//     the connection before replying — the one window SMTP can't close; such a
//     copy is marked `brokenReply`;
//   - refuse addresses with a permanent 550 at RCPT TO (`rejectAddresses`);
//   - stall its next reply (`stallNext`): the message is read, then answered 451
//     after a while and not kept — a sender caught mid-send.
import type net from "node:net";
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js"; // internal module, exported by the package

export type SinkMode = "up" | "down" | "421-mail" | "421-data" | "drop-after-data";

export interface SinkMessage {
  reportId: string | null;
  messageId: string | null;
  /** The X- headers, by lower-case name (values unfolded). */
  xHeaders: Record<string, string>;
  /** When its data ended (ms since epoch). */
  at: number;
  /** The sending connection's source port, as the sink saw it (tells apart senders behind a forwarder). */
  remotePort: number;
  size: number;
  /** The whole message as received: with keep "parsed", or for reports in keepMessagesOf. */
  raw?: Buffer;
  /** keep "parsed" only. */
  parsed?: ParsedMail;
  /** Kept, but the connection was dropped before the reply: the sender can't know it arrived. */
  brokenReply?: true;
}

export interface SmtpSinkOptions {
  /** "parsed" (default): parse and keep every message; "headers": headers only, bodies dropped (load runs). */
  keep?: "parsed" | "headers";
  /** Recipients (lower case) answered with a permanent 550 at RCPT TO; the set stays editable as `rejectAddresses`. */
  rejectAddresses?: Iterable<string>;
}

export interface SmtpSink {
  url: string;
  port: number;
  /** Every message accepted (250 after DATA, or kept in drop-after-data), in arrival order. */
  accepted: SinkMessage[];
  /** X-Report-Id → its accepted messages. */
  byReport: Map<string, SinkMessage[]>;
  /** The accepted messages, parsed (keep "parsed"; empty with keep "headers"). */
  messages: ParsedMail[];
  /** Resolves with the first parsed message matching `predicate` (waits up to timeoutMs). */
  waitFor(predicate: (m: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  mode(): SinkMode;
  setMode(mode: SinkMode): Promise<void>;
  /** Recipients (lower case) answered with 550 at RCPT TO. */
  rejectAddresses: Set<string>;
  /** Refusals by kind. */
  refused: Record<"421-mail" | "421-data" | "550-rcpt" | "dropped-after-data" | "451-stalled", number>;
  /** X-Report-Ids whose messages are kept whole (`raw`) even with keep "headers". */
  keepMessagesOf: Set<string>;
  /** The next message's data is read, then answered only after `ms`, with a 451 (not kept). */
  stallNext(ms: number): void;
  /** Forgets every message and count so far (between runs). */
  reset(): void;
  close(): Promise<void>;
}

const HEADER_SCAN_BYTES = 16 * 1024;

/**
 * smtp-server holds every new connection for a fixed 100 ms before its 220
 * greeting ("early talker" detection; not configurable in 3.21). With one SMTP
 * connection per message (nodemailer without a pool, as the worker sends), that
 * idle wait measured ~105 of the ~140 ms a bare render+send took — the sink, not
 * Backline, would set the pace. So in this process, greet at once (the rest of
 * init() as it is: listeners, the maxClients check). Checked against smtp-server
 * 3.21.6; if its internals change this fails loudly rather than keep the delay.
 */
let greetingPatched = false;
function greetAtOnce(): void {
  if (greetingPatched) return;
  const proto = (SMTPConnection as unknown as { prototype: Record<string, unknown> } | undefined)?.prototype;
  if (!proto || typeof proto.init !== "function" || typeof proto._setListeners !== "function" || typeof proto.connectionReady !== "function") {
    throw new Error("smtp-sink: smtp-server internals changed (SMTPConnection init/_setListeners/connectionReady); update packages/test-kit/src/smtp-sink.ts");
  }
  proto.init = function init(this: {
    _setListeners(cb: () => void): void;
    connectionReady(): void;
    send(code: number, text: string, keepOpen: boolean): void;
    name: string;
    _server: { options: { maxClients?: number }; connections: Set<unknown> };
  }) {
    this._setListeners(() => {
      if (this._server.options.maxClients && this._server.connections.size > this._server.options.maxClients) {
        return this.send(421, `${this.name} Too many connected clients, try again in a moment`, false);
      }
      this.connectionReady();
    });
  };
  greetingPatched = true;
}

/** The headers block of a message's first bytes, unfolded: X- headers and Message-ID. */
function readHeaders(head: string): Pick<SinkMessage, "reportId" | "messageId" | "xHeaders"> {
  const block = head.split(/\r?\n\r?\n/, 1)[0]!.replace(/\r?\n[ \t]+/g, " ");
  const xHeaders: Record<string, string> = {};
  let messageId: string | null = null;
  for (const line of block.split(/\r?\n/)) {
    const m = /^([!-9;-~]+):\s*(.*)$/.exec(line);
    if (!m) continue;
    const name = m[1]!.toLowerCase();
    if (name === "message-id") messageId ??= /\S+/.exec(m[2]!)?.[0] ?? null;
    else if (name.startsWith("x-")) xHeaders[name] ??= m[2]!.trim();
  }
  return { reportId: /\S+/.exec(xHeaders["x-report-id"] ?? "")?.[0] ?? null, messageId, xHeaders };
}

const smtpError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

export async function startSmtpSink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
  greetAtOnce();
  const parse = (options.keep ?? "parsed") === "parsed";
  let mode: SinkMode = "up";
  let stallMs: number | null = null;
  const rejectAddresses = new Set([...(options.rejectAddresses ?? [])].map((a) => a.toLowerCase()));
  const accepted: SinkMessage[] = [];
  const byReport = new Map<string, SinkMessage[]>();
  const messages: ParsedMail[] = [];
  const newRefusals = (): SmtpSink["refused"] => ({ "421-mail": 0, "421-data": 0, "550-rcpt": 0, "dropped-after-data": 0, "451-stalled": 0 });
  const refused = newRefusals();
  const keepMessagesOf = new Set<string>();
  const waiters = new Set<() => void>();

  const server = new SMTPServer({
    authOptional: true,
    // Plain SMTP on loopback: nodemailer would otherwise upgrade to TLS with a self-signed certificate.
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    // Reverse DNS of the client before each greeting cost ~100 ms per message here.
    disableReverseLookup: true,
    size: 50 * 1024 * 1024,
    onMailFrom(_address, _session, callback) {
      if (mode === "421-mail") {
        refused["421-mail"] += 1;
        return callback(smtpError(421, "4.3.2 Service shutting down, try again later"));
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (rejectAddresses.has(address.address.toLowerCase())) {
        refused["550-rcpt"] += 1;
        return callback(smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: no such user`));
      }
      callback();
    },
    onData(stream, session, callback) {
      const stall = stallMs;
      stallMs = null;
      let head = "";
      let size = 0;
      const chunks: Buffer[] = [];
      const keepAll = parse || keepMessagesOf.size > 0;
      stream.on("data", (chunk: Buffer) => {
        size += chunk.length;
        if (head.length < HEADER_SCAN_BYTES) head += chunk.toString("latin1", 0, Math.min(chunk.length, HEADER_SCAN_BYTES));
        if (keepAll) chunks.push(chunk);
      });
      stream.on("error", callback);
      stream.on("end", () => {
        if (stall !== null) {
          refused["451-stalled"] += 1;
          setTimeout(() => callback(smtpError(451, "4.3.0 Stalled on purpose by the test; try again")), stall).unref();
          return;
        }
        // The mode at the end of DATA decides, as a real server's final reply would.
        if (mode === "421-data") {
          refused["421-data"] += 1;
          return callback(smtpError(421, "4.3.2 Service shutting down, message not accepted"));
        }
        const drop = mode === "drop-after-data";
        const message: SinkMessage = { ...readHeaders(head), at: Date.now(), size, remotePort: session.remotePort };
        if (parse || (message.reportId && keepMessagesOf.has(message.reportId))) message.raw = Buffer.concat(chunks);
        if (drop) message.brokenReply = true;
        const keep = async () => {
          if (parse) {
            message.parsed = await simpleParser(message.raw!);
            messages.push(message.parsed);
          }
          accepted.push(message);
          if (message.reportId) {
            const list = byReport.get(message.reportId) ?? [];
            list.push(message);
            byReport.set(message.reportId, list);
          }
          for (const wake of waiters) wake();
        };
        keep().then(() => {
          if (!drop) return callback();
          // No reply at all: the connection just ends (its session id is the connection's).
          refused["dropped-after-data"] += 1;
          const connection = [...(server as unknown as { connections: Set<{ id: string; _socket: net.Socket }> }).connections].find((c) => c.id === session.id);
          if (!connection) return callback(new Error("smtp-sink: no connection for the session; smtp-server internals changed"));
          connection._socket.destroy();
        }, callback);
      });
    },
  });
  server.on("error", () => {}); // a client dropping its connection is not the sink's problem

  const netServer = server.server as net.Server;
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      const onError = (err: Error) => reject(err);
      netServer.once("error", onError);
      netServer.listen(port, "127.0.0.1", () => {
        netServer.removeListener("error", onError);
        resolve();
      });
    });
  await listen(0);
  const port = (netServer.address() as net.AddressInfo).port;

  async function setMode(next: SinkMode) {
    if (next === mode) return;
    if (next === "down") {
      // Stop listening; new connections get ECONNREFUSED. Sessions in progress finish.
      await new Promise<void>((resolve) => {
        netServer.close(() => resolve());
        // close()'s callback waits for open sessions; don't wait on them here.
        setTimeout(resolve, 50).unref();
      });
    } else if (mode === "down") {
      // Back up on the same port (bounded retries: the old socket may linger briefly).
      for (let i = 0; ; i++) {
        try {
          await listen(port);
          break;
        } catch (err) {
          if (i >= 50) throw err;
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
    mode = next;
  }

  return {
    url: `smtp://127.0.0.1:${port}`,
    port,
    accepted,
    byReport,
    messages,
    waitFor(predicate, timeoutMs = 30_000) {
      return new Promise((resolve, reject) => {
        const check = () => {
          const found = messages.find(predicate);
          if (!found) return;
          cleanup();
          resolve(found);
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`No matching email within ${timeoutMs} ms (${messages.length} received)`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
    mode: () => mode,
    setMode,
    rejectAddresses,
    refused,
    keepMessagesOf,
    stallNext: (ms) => void (stallMs = ms),
    reset() {
      accepted.length = 0;
      messages.length = 0;
      byReport.clear();
      Object.assign(refused, newRefusals());
    },
    close: () =>
      new Promise<void>((resolve) => {
        if (!netServer.listening) return resolve();
        server.close(() => resolve());
        // Bounded: smtp-server waits up to 30 s for open sessions (a stalled reply, say).
        setTimeout(resolve, 2000).unref();
      }),
  };
}
