// Ports and names of the isolated stack the end-to-end tests run against.
// Chosen once in the runner process and inherited (via env) by its workers.
const pick = (name: string, base: number) => {
  process.env[name] ??= String(base + Math.floor(Math.random() * 2000));
  return Number(process.env[name]);
};

export const e2eStack = {
  get appPort() {
    return pick("E2E_APP_PORT", 31000);
  },
  get smtpPort() {
    return pick("E2E_SMTP_PORT", 33000);
  },
  get inboxPort() {
    return pick("E2E_INBOX_PORT", 35000);
  },
  get appUrl() {
    return `http://127.0.0.1:${this.appPort}`;
  },
  get inboxUrl() {
    return `http://127.0.0.1:${this.inboxPort}`;
  },
};

/** Listed in ADMIN_EMAILS for the stack: may see every report. */
export const ADMIN_EMAIL = "admin@backline.test";
