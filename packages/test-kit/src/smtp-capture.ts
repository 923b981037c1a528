// A real SMTP server on a random loopback port that keeps every message it
// receives, parsed, so tests can assert on what was actually sent.
import { simpleParser, type ParsedMail } from "mailparser";
import { SMTPServer } from "smtp-server";

export interface SmtpCapture {
  url: string;
  messages: ParsedMail[];
  /** Resolves with the first message matching `predicate` (waits up to timeoutMs). */
  waitFor(predicate: (m: ParsedMail) => boolean, timeoutMs?: number): Promise<ParsedMail>;
  /** The next message's DATA is read, then answered only after `ms`, with a 451 (not kept): a sender caught mid-send. */
  stallNext(ms: number): void;
  close(): Promise<void>;
}

export interface SmtpCaptureOptions {
  /** Recipients answered with a permanent 550, like a real server refusing an address. */
  rejectRecipient?: (address: string) => boolean;
}

export async function startSmtpCapture(options: SmtpCaptureOptions = {}): Promise<SmtpCapture> {
  const messages: ParsedMail[] = [];
  let stallMs: number | null = null;
  const waiters = new Set<() => void>();
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS"],
    logger: false,
    // Reverse DNS of 127.0.0.1 before each greeting costs ~100 ms here; tests don't need it.
    disableReverseLookup: true,
    onRcptTo(address, _session, callback) {
      if (options.rejectRecipient?.(address.address)) {
        return callback(Object.assign(new Error(`5.1.1 <${address.address}>: Recipient address rejected`), { responseCode: 550 }));
      }
      callback();
    },
    onData(stream, _session, callback) {
      const stall = stallMs;
      stallMs = null;
      simpleParser(stream)
        .then((mail) => {
          if (stall !== null) {
            setTimeout(() => callback(Object.assign(new Error("4.3.0 Stalled on purpose by the test; try again"), { responseCode: 451 })), stall).unref();
            return;
          }
          messages.push(mail);
          for (const wake of waiters) wake();
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.server.address() as { port: number };

  return {
    url: `smtp://127.0.0.1:${port}`,
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
    stallNext: (ms) => void (stallMs = ms),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
