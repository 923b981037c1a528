// The container images, as far as this machine can check them without a
// Docker engine: each Dockerfile's runtime stage is assembled on disk exactly
// as its COPY lines say (read from the Dockerfile itself), from this build, and
// started the way its CMD says — the web's standalone output must serve pages,
// static assets, health and readiness; the worker bundle must start and answer
// its probes. The Dockerfiles and the compose file pass their linters.
import { spawnSync } from "node:child_process";
import { cp, mkdir, mkdtemp, readFile, rm, symlink } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { createPrismaClient } from "@backline/db";
import {
  appEnv,
  createScratchDatabase,
  deleteQueueKeys,
  freePort,
  repoRoot,
  startProcess,
  startSmtpSink,
  uniqueQueuePrefix,
  waitForPort,
  type ScratchDatabase,
  type SmtpSink,
} from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const REDIS_URL = process.env.REDIS_URL ?? "redis://127.0.0.1:6379";
let scratch: ScratchDatabase;
let smtp: SmtpSink;
let dir: string;
const prefix = uniqueQueuePrefix("images");

beforeAll(async () => {
  scratch = await createScratchDatabase();
  await createPrismaClient(scratch.url).$disconnect();
  smtp = await startSmtpSink({ keep: "headers" });
  dir = await mkdtemp(path.join(os.tmpdir(), "backline-images-"));
});
afterAll(async () => {
  await smtp?.close();
  await deleteQueueKeys(REDIS_URL, prefix);
  await scratch?.drop();
  await rm(dir, { recursive: true, force: true });
});

/** The runtime stage's `COPY --from=build <src> <dest>` lines, and its final WORKDIR and CMD. */
async function runtimeStage(dockerfile: string) {
  const text = await readFile(path.join(repoRoot, dockerfile), "utf8");
  const stage = text.slice(text.lastIndexOf("FROM "));
  const copies = [...stage.matchAll(/^COPY --from=(\w+)(?: --chown=\S+)? (\S+) (\S+)$/gm)].map((m) => ({ from: m[1]!, src: m[2]!, dest: m[3]! }));
  const workdir = [...stage.matchAll(/^WORKDIR (\S+)$/gm)].at(-1)![1]!;
  const cmd = JSON.parse(/^CMD (\[.*\])$/m.exec(stage)![1]!) as string[];
  return { copies, workdir, cmd };
}

/** Copies what the stage copies, from this checkout (its /app), under `root`. */
async function assemble(dockerfile: string, root: string) {
  const stage = await runtimeStage(dockerfile);
  for (const { src, dest } of stage.copies) {
    const from = path.join(repoRoot, path.relative("/app", src));
    const to = path.join(root, path.relative("/app", path.resolve("/app", dest)));
    await mkdir(path.dirname(to), { recursive: true });
    // A deps stage's node_modules is this checkout's, linked rather than copied.
    if (src.endsWith("/node_modules")) await symlink(from, to);
    else await cp(from, to, { recursive: true, verbatimSymlinks: true });
  }
  return { ...stage, cwd: path.join(root, path.relative("/app", stage.workdir)) };
}

describe("container images", () => {
  it("web: the standalone output with server.mjs serves pages, static assets, health and readiness", async () => {
    const image = await assemble("apps/web/Dockerfile", path.join(dir, "web"));
    expect(image.cmd).toEqual(["node", "server.mjs"]);
    const port = await freePort();
    const appUrl = `http://127.0.0.1:${port}`;
    const env = appEnv(
      { databaseUrl: scratch.url, redisUrl: REDIS_URL, queuePrefix: prefix, reportsDir: path.join(dir, "reports"), appUrl },
      { PORT: String(port) },
    );
    const web = startProcess("image-web", process.execPath, [image.cmd[1]!, "-H", "127.0.0.1"], { cwd: image.cwd, env });
    try {
      await waitForPort(port, { what: "the image's web server", proc: web });
      expect((await fetch(`${appUrl}/api/health`)).status).toBe(200);
      const ready = await (await fetch(`${appUrl}/api/ready`)).json();
      expect(ready, JSON.stringify(ready)).toEqual({ ready: true, problems: [] }); // the migrations it carries are all applied
      const signIn = await fetch(`${appUrl}/sign-in`);
      expect(signIn.status).toBe(200);
      const html = await signIn.text();
      const asset = /\/_next\/static\/[^"]+\.js/.exec(html)?.[0];
      expect(asset).toBeDefined();
      expect((await fetch(`${appUrl}${asset}`)).status).toBe(200);
    } finally {
      await web.stop();
    }
  });

  it("worker: the launcher starts its copies of the bundle (fonts found), each answering /healthz and /readyz on its port", async () => {
    const build = spawnSync(process.execPath, ["build.mjs"], { cwd: path.join(repoRoot, "apps/worker"), encoding: "utf8" });
    expect(build.status, build.stderr).toBe(0);
    const image = await assemble("apps/worker/Dockerfile", path.join(dir, "worker"));
    expect(image.cmd).toEqual(["node", "dist/launcher.js"]);
    const port = await freePort();
    const secondPort = port + 1; // copy k answers on WORKER_METRICS_PORT + k
    const env = appEnv(
      {
        databaseUrl: scratch.url,
        redisUrl: REDIS_URL,
        queuePrefix: prefix,
        reportsDir: path.join(dir, "reports"),
        appUrl: "http://localhost:3999",
        smtpUrl: smtp.url,
      },
      { WORKER_METRICS_PORT: String(port), WORKER_METRICS_HOST: "127.0.0.1", WORKER_PROCESSES: "2" },
    );
    const worker = startProcess("image-worker", process.execPath, [image.cmd[1]!], { cwd: image.cwd, env });
    try {
      for (const p of [port, secondPort]) {
        await waitForPort(p, { what: "the image's worker probes", proc: worker });
        expect(await (await fetch(`http://127.0.0.1:${p}/healthz`)).text()).toBe("ok\n");
        expect(await (await fetch(`http://127.0.0.1:${p}/readyz`)).text()).toBe("ready\n");
      }
    } finally {
      await worker.stop();
    }
  });

  it("the Dockerfiles and docker-compose.yml pass their linters", () => {
    const run = spawnSync(process.execPath, ["scripts/lint-containers.mjs"], { cwd: repoRoot, encoding: "utf8" });
    expect(run.status, run.stdout + run.stderr).toBe(0);
  });
});
