// Every email type as a mail server receives it (compiled by nodemailer): scored
// by SpamAssassin's local rules, its headers as sent, and DKIM-signed when asked
// (the signature checked here against the public key).
import { execFileSync } from "node:child_process";
import { createHash, createPublicKey, generateKeyPairSync, verify } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import nodemailer, { type SendMailOptions } from "nodemailer";
import { afterAll, describe, expect, it } from "vitest";
import { createMailTransport, dkimFromEnv } from "../src/transport.ts";
import { SAMPLE_PDF, sampleEmails } from "./samples.ts";

const dir = mkdtempSync(path.join(os.tmpdir(), "backline-mail-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const pdfPath = path.join(dir, "report.pdf");
writeFileSync(pdfPath, SAMPLE_PDF);
const emails = sampleEmails(pdfPath);

/** The message as nodemailer writes it to an SMTP server (CRLF line ends). */
async function compile(mail: SendMailOptions, dkim?: { domainName: string; keySelector: string; privateKey: string }): Promise<string> {
  const transport = nodemailer.createTransport({ streamTransport: true, buffer: true, newline: "windows", ...(dkim ? { dkim } : {}) });
  const info = await transport.sendMail(mail);
  return (info.message as Buffer).toString("utf8");
}

function headerBlock(raw: string): string {
  return raw.slice(0, raw.indexOf("\r\n\r\n"));
}

/** One header's unfolded value, or undefined. */
function header(raw: string, name: string): string | undefined {
  const m = new RegExp(`^${name}:[ \\t]*((?:.*)(?:\\r\\n[ \\t].*)*)`, "im").exec(headerBlock(raw));
  return m?.[1]?.replace(/\r\n[ \t]+/g, " ").trim();
}

/** SpamAssassin's score and rules, local tests only (no network), no Bayes learning, its state kept in a temporary home. */
function spamAssassin(raw: string): { score: number; tests: string[] } {
  let out: string;
  try {
    out = execFileSync("spamassassin", ["-t", "-L", "--cf=use_bayes 0", "--cf=bayes_auto_learn 0"], {
      input: raw,
      encoding: "utf8",
      maxBuffer: 64 * 1024 * 1024,
      env: { ...process.env, HOME: dir },
    });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") {
      throw new Error("spamassassin is not installed: run `node scripts/ensure-test-tools.mjs` (as root it installs it) or `apt-get install spamassassin`");
    }
    // -t exits non-zero for a message it calls spam; the report is on stdout either way.
    out = (err as { stdout?: string }).stdout ?? "";
  }
  const status = /^X-Spam-Status: (?:Yes|No), score=(-?[\d.]+) required=[\d.]+ tests=([\s\S]*?) autolearn/m.exec(out);
  if (!status) throw new Error(`No X-Spam-Status in spamassassin's output:\n${out.slice(0, 2000)}`);
  return { score: Number(status[1]), tests: status[2]!.split(/[\s,]+/).filter(Boolean) };
}

describe("SpamAssassin (local rules)", () => {
  it.each(Object.keys(emails))("%s scores at most 2.0", async (name) => {
    const raw = await compile(emails[name]!);
    const { score, tests } = spamAssassin(raw);
    console.log(`SpamAssassin: ${name} ${score} (${tests.join(", ")})`);
    expect(score, `${name}: ${tests.join(", ")}`).toBeLessThanOrEqual(2.0);
  });
});

describe("headers as sent", () => {
  it("report email: Message-ID on the sender's domain, Date, Auto-Submitted, the report id; a real text alternative", async () => {
    const raw = await compile(emails["report-sales-summary"]!);
    expect(header(raw, "Message-ID")).toBe("<report-0190f0c2-0000-7000-8000-000000000001@backline.example.com>");
    expect(header(raw, "Date")).toBe("Sun, 22 Nov 2026 05:31:00 +0000");
    expect(header(raw, "Auto-Submitted")).toBe("auto-generated");
    expect(header(raw, "X-Report-Id")).toBe("0190f0c2-0000-7000-8000-000000000001");
    expect(header(raw, "List-Unsubscribe")).toBeUndefined();
    expect(raw).toMatch(/Content-Type: multipart\/alternative/);
    expect(raw).toMatch(/Content-Type: text\/plain; charset=utf-8/);
    expect(raw).toMatch(/Content-Type: application\/pdf;\s+name=sales-summary-2026-10-01-to-2026-10-31\.pdf/);
  });

  it("scheduled report: RFC 8058 one-click unsubscribe and the caller's X- headers", async () => {
    const raw = await compile(emails["report-scheduled"]!);
    expect(header(raw, "List-Unsubscribe")).toBe("<https://backline.example.com/schedules/s1/unsubscribe?sig=abc>");
    expect(header(raw, "List-Unsubscribe-Post")).toBe("List-Unsubscribe=One-Click");
    expect(header(raw, "X-Schedule-Id")).toBe("s1");
    expect(header(raw, "X-Campaign-Id")).toBe("c1");
  });
});

/** Relaxed canonicalisation (RFC 6376 §3.4.2, §3.4.4), to check a signature without DNS. */
function verifyDkim(raw: string, publicKeyPem: string): { valid: boolean; tags: Record<string, string> } {
  const head = headerBlock(raw);
  const body = raw.slice(head.length + 4);
  const fields = head.split(/\r\n(?![ \t])/);
  const signature = fields.find((f) => /^DKIM-Signature:/i.test(f));
  if (!signature) return { valid: false, tags: {} };
  const tags = Object.fromEntries(
    signature
      .slice(signature.indexOf(":") + 1)
      .replace(/\s+/g, "")
      .split(";")
      .filter(Boolean)
      .map((t) => [t.slice(0, t.indexOf("=")), t.slice(t.indexOf("=") + 1)]),
  );
  const relaxedHeader = (f: string) => {
    const at = f.indexOf(":");
    return `${f.slice(0, at).trim().toLowerCase()}:${f
      .slice(at + 1)
      .replace(/\r\n/g, "")
      .replace(/[ \t]+/g, " ")
      .trim()}`;
  };
  const relaxedBody = `${body
    .split("\r\n")
    .map((l) => l.replace(/[ \t]+/g, " ").replace(/ $/, ""))
    .join("\r\n")
    .replace(/(\r\n)*$/, "")}\r\n`;
  const bodyHash = createHash("sha256").update(relaxedBody).digest("base64");
  const used = new Set<string>();
  const signed = (tags.h ?? "").split(":").map((name) => {
    const matching = fields.filter((f) => f.toLowerCase().startsWith(`${name.toLowerCase()}:`) && !used.has(f));
    const last = matching.at(-1);
    if (last) used.add(last);
    return last ? `${relaxedHeader(last)}\r\n` : "";
  });
  const data = signed.join("") + relaxedHeader(signature).replace(/b=[^;]*$/, "b=");
  const valid = bodyHash === tags.bh && verify("sha256", Buffer.from(data), createPublicKey(publicKeyPem), Buffer.from(tags.b ?? "", "base64"));
  return { valid, tags };
}

describe("DKIM", () => {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const pem = privateKey.export({ type: "pkcs8", format: "pem" }).toString();
  const publicPem = publicKey.export({ type: "spki", format: "pem" }).toString();

  it("off unless configured; all three settings or a clear error", () => {
    expect(dkimFromEnv({})).toBeUndefined();
    expect(() => dkimFromEnv({ MAIL_DKIM_DOMAIN: "example.com" })).toThrow("DKIM signing needs MAIL_DKIM_SELECTOR, MAIL_DKIM_PRIVATE_KEY (or _FILE) as well");
    expect(() => dkimFromEnv({ MAIL_DKIM_DOMAIN: "example.com", MAIL_DKIM_SELECTOR: "s", MAIL_DKIM_PRIVATE_KEY: "nope" })).toThrow(/not a PEM private key/);
    // A key pasted on one line with \n escapes, or a file.
    const escaped = dkimFromEnv({ MAIL_DKIM_DOMAIN: "example.com", MAIL_DKIM_SELECTOR: "s", MAIL_DKIM_PRIVATE_KEY: pem.replace(/\n/g, "\\n") });
    expect(escaped?.privateKey).toBe(pem);
    const keyFile = path.join(dir, "dkim.pem");
    writeFileSync(keyFile, pem);
    expect(dkimFromEnv({ MAIL_DKIM_DOMAIN: "example.com", MAIL_DKIM_SELECTOR: "s", MAIL_DKIM_PRIVATE_KEY_FILE: keyFile })?.privateKey).toBe(pem);
    // The transport takes them (or none).
    expect(createMailTransport("smtp://127.0.0.1:1", { dkim: escaped }).options).toMatchObject({ dkim: { domainName: "example.com", keySelector: "s" } });
    expect(createMailTransport("smtp://127.0.0.1:1", { dkim: null }).options).not.toHaveProperty("dkim");
  });

  it.each(["report-sales-summary", "sign-in"])("%s is signed for the sender's domain, and the signature verifies", async (name) => {
    const dkim = dkimFromEnv({ MAIL_DKIM_DOMAIN: "backline.example.com", MAIL_DKIM_SELECTOR: "backline2026", MAIL_DKIM_PRIVATE_KEY: pem })!;
    const raw = await compile(emails[name]!, dkim);
    const { valid, tags } = verifyDkim(raw, publicPem);
    expect(tags).toMatchObject({ a: "rsa-sha256", c: "relaxed/relaxed", d: "backline.example.com", s: "backline2026" });
    for (const h of ["from", "to", "subject", "date", "message-id"]) expect(tags.h?.toLowerCase().split(":")).toContain(h);
    expect(valid).toBe(true);
    // Any change after signing breaks it.
    expect(verifyDkim(raw.replace("Your ", "Our "), publicPem).valid).toBe(false);
    expect(spamAssassin(raw).score).toBeLessThanOrEqual(2.0);
  });
});
