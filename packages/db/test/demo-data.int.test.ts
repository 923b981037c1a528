// The demo dataset on a real database: names in many scripts survive the round
// trip exactly, every one of them has orders, and seeding is deterministic.
import { createScratchDatabase, type ScratchDatabase } from "@backline/test-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEMO_DATA_VERSION, INTERNATIONAL_CUSTOMERS, INTERNATIONAL_PRODUCT_LINES, createPrismaClient, seedDemoData, type PrismaClient } from "../src/index.ts";

let scratch: ScratchDatabase;
let db: PrismaClient;
const now = new Date("2026-11-22T05:30:00Z");
beforeAll(async () => {
  scratch = await createScratchDatabase();
  db = createPrismaClient(scratch.url);
});
afterAll(async () => {
  await db?.$disconnect();
  await scratch?.drop();
});

/** Everything seeded, as one comparable value. */
async function snapshot() {
  const customers = await db.customer.findMany({ orderBy: { id: "asc" }, select: { id: true, name: true, regionId: true } });
  const products = await db.product.findMany({ orderBy: { id: "asc" }, select: { id: true, name: true, priceCents: true } });
  const [orders] = await db.$queryRaw<{ n: bigint; total: bigint; digest: string }[]>`
    select count(*) as n, sum(total_cents)::bigint as total,
           md5(string_agg(concat_ws(',', id, customer_id, product_id, quantity, ordered_at), ';' order by id)) as digest
    from orders`;
  return { customers, products, orders };
}

describe("seedDemoData", () => {
  it("names the first customers and some product lines in many scripts, exactly, each with orders", async () => {
    const result = await seedDemoData(db, { customers: 20, orders: 3000, now });
    expect(result).toEqual({ seeded: true, orders: 3000, customers: 20 });
    const info = await db.seedInfo.findUniqueOrThrow({ where: { id: 1 } });
    expect(info.version).toBe(DEMO_DATA_VERSION);

    const customers = await db.customer.findMany({ orderBy: { id: "asc" }, include: { region: true, _count: { select: { orders: true } } } });
    expect(customers.slice(0, INTERNATIONAL_CUSTOMERS.length).map((c) => [c.name, c.region.code])).toEqual(
      INTERNATIONAL_CUSTOMERS.map((c) => [c.name, c.region]),
    );
    for (const c of customers.slice(0, INTERNATIONAL_CUSTOMERS.length)) expect(c._count.orders, c.name).toBeGreaterThan(0);
    // Scripts the PDFs must print: right to left, CJK, Greek, Cyrillic, Latin with diacritics.
    const products = await db.product.findMany({ select: { name: true, _count: { select: { orders: true } } } });
    const names = [...customers, ...products].map((c) => c.name).join(" ");
    for (const script of [
      /\p{Script=Arabic}/u,
      /\p{Script=Hebrew}/u,
      /\p{Script=Han}/u,
      /\p{Script=Hiragana}|\p{Script=Katakana}/u,
      /\p{Script=Hangul}/u,
      /\p{Script=Greek}/u,
      /\p{Script=Cyrillic}/u,
      /[ŁŞğıÆøÑ]/u,
    ]) {
      expect(names, String(script)).toMatch(script);
    }

    for (const line of INTERNATIONAL_PRODUCT_LINES) {
      const ofLine = products.filter((p) => p.name.startsWith(`${line} `));
      expect(ofLine.length, line).toBe(5);
      expect(
        ofLine.reduce((n, p) => n + p._count.orders, 0),
        line,
      ).toBeGreaterThan(0);
    }
  });

  it("is deterministic: reseeding the same version and month writes the same rows; asking again writes nothing", async () => {
    const first = await snapshot();
    expect(await seedDemoData(db, { customers: 20, orders: 3000, now })).toEqual({ seeded: false, orders: 3000, customers: 20 });
    // Another size is another dataset.
    expect(await seedDemoData(db, { customers: 25, orders: 3000, now })).toMatchObject({ seeded: true, customers: 25 });
    expect(await db.customer.count()).toBe(25);
    await seedDemoData(db, { customers: 20, orders: 3000, now });
    await seedDemoData(db, { customers: 20, orders: 3000, now, force: true });
    expect(await snapshot()).toEqual(first);
  });
});
