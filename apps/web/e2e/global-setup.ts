// Starts a private stack for the browser tests: a scratch database (migrated
// and seeded), the dev inbox (maildev), the production web build and a worker,
// all on their own ports and queue prefix, with the environment every test
// stack gets (appEnv in @backline/test-kit: test secrets, limits lifted — every
// request here comes from 127.0.0.1 and the fuzz test sends 10,000; the limits
// themselves are tested in the integration tests). Returns the teardown.
import { mkdtemp, rm } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPrismaClient, seedDemoData } from "@backline/db";
import {
  createScratchDatabase,
  deleteQueueKeys,
  onCleanup,
  runCleanup,
  startInbox,
  startWeb,
  startWorker,
  uniqueQueuePrefix,
  type Proc,
  type StackEnv,
} from "@backline/test-kit";
import { ADMIN_EMAIL, e2eStack } from "./stack";

export default async function globalSetup() {
  try {
    return await start();
  } catch (err) {
    await runCleanup();
    throw err;
  }
}

async function start() {
  const scratch = await createScratchDatabase();
  onCleanup(`drop database ${scratch.name}`, () => scratch.drop());
  const db = createPrismaClient(scratch.url);
  await seedDemoData(db, { customers: 40, orders: 20_000 });
  await db.$disconnect();
  // Tests compare PDF figures with SQL on this database (workers inherit env).
  process.env.E2E_DATABASE_URL = scratch.url;
  process.env.E2E_INBOX_URL = e2eStack.inboxUrl;
  const reportsDir = await mkdtemp(path.join(os.tmpdir(), "backline-e2e-"));
  onCleanup(`remove ${reportsDir}`, () => rm(reportsDir, { recursive: true, force: true }));

  const stack: StackEnv = {
    databaseUrl: scratch.url,
    redisUrl: process.env.REDIS_URL ?? "redis://127.0.0.1:6379",
    queuePrefix: uniqueQueuePrefix("e2e"),
    reportsDir,
    appUrl: e2eStack.appUrl,
    smtpUrl: `smtp://127.0.0.1:${e2eStack.smtpPort}`,
  };
  onCleanup("delete the e2e queue keys", () => deleteQueueKeys(stack.redisUrl, stack.queuePrefix).then(() => {}));

  // A process that dies while the tests run says why (stopping them at the end is no news).
  let stopping = false;
  const watch = (proc: Proc) =>
    void proc.exited.then((code) => {
      if (code && !stopping) console.error(`[e2e] ${proc.name} exited with ${code}:\n${proc.tail(60)}`);
    });
  const inbox = await startInbox({ smtpPort: e2eStack.smtpPort, webPort: e2eStack.inboxPort });
  watch(inbox.proc);
  const env = { ADMIN_EMAILS: ADMIN_EMAIL };
  const [web, worker] = await Promise.all([startWeb(stack, e2eStack.appPort, { env }), startWorker(stack, { concurrency: 2, env })]);
  watch(web);
  watch(worker.proc);
  onCleanup("stop watching", () => void (stopping = true)); // runs first: cleanups run last-in first-out

  return () => runCleanup();
}
