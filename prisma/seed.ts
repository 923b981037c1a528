// `npm run db:seed`: loads the demo dataset (idempotent) with a progress bar.
// `--force` reloads it; `--orders N` changes its size.
import { parseArgs } from "node:util";
import { SingleBar, Presets } from "cli-progress";
import { databaseEnv, parseEnv } from "@backline/config";
import { checkDatabase, createPrismaClient, seedDemoData } from "@backline/db";

const { values } = parseArgs({
  options: { force: { type: "boolean", default: false }, orders: { type: "string" } },
});
const env = parseEnv(databaseEnv);
const problem = await checkDatabase(env.DATABASE_URL);
if (problem) {
  console.error(problem);
  process.exit(1);
}

const db = createPrismaClient(env.DATABASE_URL);
const bar = new SingleBar({ format: "Seeding orders [{bar}] {percentage}% | {value}/{total}", hideCursor: true }, Presets.shades_classic);
let started = false;
try {
  const result = await seedDemoData(db, {
    force: values.force,
    orders: values.orders ? Number(values.orders) : undefined,
    onProgress: (done, total) => {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
  });
  if (started) bar.stop();
  console.log(
    result.seeded ? `Seeded ${result.orders.toLocaleString("en-US")} demo orders.` : "Demo data already loaded; nothing to do (use --force to reload).",
  );
} finally {
  await db.$disconnect();
}
