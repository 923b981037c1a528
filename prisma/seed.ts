// `npm run db:seed`: loads the demo dataset (idempotent) with a progress bar.
// `--force` reloads it; `--customers N` and `--orders N` change its size (or
// DEMO_CUSTOMERS / DEMO_ORDERS): `npm run db:seed -- --customers 100000` is the
// campaign benchmark's dataset.
import { parseArgs } from "node:util";
import { SingleBar, Presets } from "cli-progress";
import { databaseEnv, parseEnv } from "@backline/config";
import { checkDatabase, createPrismaClient, seedDemoData } from "@backline/db";

const { values } = parseArgs({
  options: { force: { type: "boolean", default: false }, orders: { type: "string" }, customers: { type: "string" } },
});
/** A positive whole number, or undefined (the default); anything else stops with the option named. */
function count(name: string, value: string | undefined): number | undefined {
  if (value === undefined || value === "") return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 10_000_000) {
    console.error(`--${name} must be a whole number from 1 to 10,000,000 (got ${JSON.stringify(value)})`);
    process.exit(1);
  }
  return n;
}

const env = parseEnv(databaseEnv);
const problem = await checkDatabase(env.DATABASE_URL);
if (problem) {
  console.error(problem);
  process.exit(1);
}

const db = createPrismaClient(env.DATABASE_URL);
const bar = new SingleBar({ format: "Seeding customers and orders [{bar}] {percentage}% | {value}/{total} rows", hideCursor: true }, Presets.shades_classic);
let started = false;
try {
  const result = await seedDemoData(db, {
    force: values.force,
    orders: count("orders", values.orders ?? process.env.DEMO_ORDERS),
    customers: count("customers", values.customers ?? process.env.DEMO_CUSTOMERS),
    onProgress: (done, total) => {
      if (!started) bar.start(total, 0);
      started = true;
      bar.update(done);
    },
  });
  if (started) bar.stop();
  console.log(
    result.seeded
      ? `Seeded ${result.customers.toLocaleString("en-US")} demo customers and ${result.orders.toLocaleString("en-US")} orders.`
      : "Demo data already loaded; nothing to do (use --force to reload).",
  );
} finally {
  await db.$disconnect();
}
