// An SMTP sink the chaos run can break on purpose. Modes:
//   up        — accept everything (except the 550 addresses below)
//   down      — stop listening (connections are refused; sessions already open finish)
//   421-mail  — answer MAIL FROM with 421 (the server is "shutting down")
//   421-data  — read the whole message, then answer 421 instead of 250
//   drop-after-data — read the whole message, keep it (as a real server may have
//               queued it), then drop the connection before answering: the one
//               window SMTP can't close, seen from the client as a broken connection
// plus a set of addresses answered with a permanent 550 at RCPT TO.
//
// It records every message it *accepted* (250 after DATA, or kept in drop-after-data,
// marked `brokenReply`) by its X-Report-Id and
// Message-ID headers, read from the first bytes of the stream only — bodies
// (PDF attachments) are never parsed, and kept whole only for the reports a
// scenario names in `keepMessagesOf`.
import type net from "node:net";
import { SMTPServer } from "smtp-server";
import { SMTPConnection } from "smtp-server/lib/smtp-connection.js"; // internal module, exported by the package

// Same patch as bench/smtp-sink.ts (copied, not imported, so this file owns it):
// smtp-server waits a fixed 100 ms before its greeting ("early talker"
// detection). With one connection per message that would make the sink the
// bottleneck. Greet at once; fail loudly if the internals changed.
const proto = (SMTPConnection as unknown as { prototype: Record<string, unknown> } | undefined)?.prototype;
if (!proto || typeof proto.init !== "function" || typeof proto._setListeners !== "function" || typeof proto.connectionReady !== "function") {
  throw new Error("chaos smtp-sink: smtp-server internals changed; update chaos/smtp-sink.ts");
}
proto.init = function init(this: { _setListeners(cb: () => void): void; connectionReady(): void }) {
  this._setListeners(() => this.connectionReady());
};

export type SinkMode = "up" | "down" | "421-mail" | "421-data" | "drop-after-data";

export interface AcceptedMessage {
  reportId: string | null;
  messageId: string | null;
  at: number;
  /** The whole message as received, for reports in keepMessagesOf. */
  raw?: Buffer;
  /** Kept, but the connection was dropped before the reply: the sender can't know it arrived. */
  brokenReply?: true;
}

export interface ChaosSmtpSink {
  url: string;
  port: number;
  mode(): SinkMode;
  setMode(mode: SinkMode): Promise<void>;
  /** Recipients answered with 550 at RCPT TO. */
  rejectAddresses: Set<string>;
  /** Every accepted message, in arrival order. */
  accepted: AcceptedMessage[];
  /** X-Report-Id → accepted messages for it. */
  byReport: Map<string, AcceptedMessage[]>;
  /** Counts of refusals by kind (421 mail/data, 550 rcpt). */
  refused: Record<string, number>;
  /** X-Report-Ids whose accepted messages are kept whole (`raw`). */
  keepMessagesOf: Set<string>;
  close(): Promise<void>;
}

const HEADER_SCAN_BYTES = 16 * 1024;

export async function startChaosSmtpSink(): Promise<ChaosSmtpSink> {
  let mode: SinkMode = "up";
  const rejectAddresses = new Set<string>();
  const accepted: AcceptedMessage[] = [];
  const byReport = new Map<string, AcceptedMessage[]>();
  const refused: Record<string, number> = { "421-mail": 0, "421-data": 0, "550-rcpt": 0, "dropped-after-data": 0 };
  const keepMessagesOf = new Set<string>();
  const smtpError = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });

  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    disableReverseLookup: true,
    size: 50 * 1024 * 1024,
    onMailFrom(_address, _session, callback) {
      if (mode === "421-mail") {
        refused["421-mail"]! += 1;
        return callback(smtpError(421, "4.3.2 Service shutting down, try again later"));
      }
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (rejectAddresses.has(address.address.toLowerCase())) {
        refused["550-rcpt"]! += 1;
        return callback(smtpError(550, `5.1.1 <${address.address}>: Recipient address rejected: no such user`));
      }
      callback();
    },
    onData(stream, session, callback) {
      let head = "";
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => {
        if (head.length < HEADER_SCAN_BYTES) head += chunk.toString("latin1", 0, Math.min(chunk.length, HEADER_SCAN_BYTES));
        if (keepMessagesOf.size > 0) chunks.push(chunk);
      });
      stream.on("error", callback);
      stream.on("end", () => {
        // The mode at the end of DATA decides, as a real server's final reply would.
        if (mode === "421-data") {
          refused["421-data"]! += 1;
          return callback(smtpError(421, "4.3.2 Service shutting down, message not accepted"));
        }
        const headers = head.split(/\r?\n\r?\n/, 1)[0]!;
        const message: AcceptedMessage = {
          reportId: /^X-Report-Id:\s*(\S+)/im.exec(headers)?.[1] ?? null,
          messageId: /^Message-ID:\s*(\S+)/im.exec(headers)?.[1] ?? null,
          at: Date.now(),
        };
        if (message.reportId && keepMessagesOf.has(message.reportId)) message.raw = Buffer.concat(chunks);
        const drop = mode === "drop-after-data";
        if (drop) message.brokenReply = true;
        accepted.push(message);
        if (message.reportId) {
          const list = byReport.get(message.reportId) ?? [];
          list.push(message);
          byReport.set(message.reportId, list);
        }
        if (!drop) return callback();
        // No reply at all: the connection just ends (its session id is the connection's).
        refused["dropped-after-data"]! += 1;
        const connection = [...(server as unknown as { connections: Set<{ id: string; _socket: net.Socket }> }).connections].find((c) => c.id === session.id);
        if (!connection) throw new Error("chaos smtp-sink: no connection for the session; smtp-server internals changed");
        connection._socket.destroy();
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
    mode: () => mode,
    setMode,
    rejectAddresses,
    accepted,
    byReport,
    refused,
    keepMessagesOf,
    close: () =>
      new Promise<void>((resolve) => {
        if (!netServer.listening) return resolve();
        server.close(() => resolve());
        setTimeout(resolve, 2000).unref();
      }),
  };
}
