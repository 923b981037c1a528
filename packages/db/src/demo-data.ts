// The deterministic demo dataset the report types read: regions, products,
// customers and orders over the 24 whole UTC months before the current month.
// Same version + same month ⇒ same rows, so figures in PDFs are reproducible.
// The first customers and some product lines have names in many scripts (Latin
// with diacritics, Greek, Cyrillic, Arabic and Hebrew right to left, Chinese,
// Japanese, Korean), so every test that prints demo data prints them too.
import type { PrismaClient } from "./generated/prisma/client.ts";

/** Bump on any change to what is generated: a database seeded by an older version is reseeded. */
export const DEMO_DATA_VERSION = 2;

export interface DemoDataOptions {
  customers?: number;
  orders?: number;
  /** Data ends at the start of this instant's UTC month (default: now). */
  now?: Date;
  /** Reseed even when the same dataset is already loaded. */
  force?: boolean;
  onProgress?: (done: number, total: number) => void;
}

export const REGIONS = [
  { id: 1, code: "NA", name: "North America", weight: 0.34 },
  { id: 2, code: "EU", name: "Europe", weight: 0.28 },
  { id: 3, code: "APAC", name: "Asia-Pacific", weight: 0.22 },
  { id: 4, code: "LATAM", name: "Latin America", weight: 0.1 },
  { id: 5, code: "MEA", name: "Middle East & Africa", weight: 0.06 },
] as const;

/**
 * Customers 1, 2, … carry these names (as many as there are customers), each in
 * its region; the rest are generated. Right-to-left, combining marks, CJK.
 */
export const INTERNATIONAL_CUSTOMERS = [
  { name: "Łódź Trading Sp. z o.o.", region: "EU" },
  { name: "Şahin Gıda A.Ş.", region: "EU" },
  { name: "Ελληνικά Τρόφιμα Α.Ε.", region: "EU" },
  { name: "Москва Логистика", region: "EU" },
  { name: "東京商事株式会社", region: "APAC" },
  { name: "شركة النور للتجارة", region: "MEA" },
  { name: "אור תעשיות", region: "MEA" },
  { name: "北京贸易有限公司", region: "APAC" },
  { name: "서울상사", region: "APAC" },
  { name: "Nguyễn Thị Minh Khai Co.", region: "APAC" },
  { name: "Ærø Møbler ApS", region: "EU" },
  { name: "Ñandú Café S.A.", region: "LATAM" },
] as const;

/** Product lines in other scripts, among the English ones (each in every tier, e.g. "Στυλό Pro"). */
export const INTERNATIONAL_PRODUCT_LINES = ["Kaffeemühle Größe", "Στυλό", "Настольная лампа", "抹茶セット", "مصباح مكتب", "מקלדת"] as const;

const PRODUCT_LINES = ["Desk", "Chair", "Lamp", "Monitor arm", "Keyboard", "Headset", "Webcam", "Dock", ...INTERNATIONAL_PRODUCT_LINES];
const PRODUCT_TIERS = [
  { name: "Basic", factor: 1 },
  { name: "Plus", factor: 1.8 },
  { name: "Pro", factor: 3.1 },
  { name: "Studio", factor: 5.5 },
  { name: "Max", factor: 9 },
];
const FIRST = [
  "Acme",
  "Globex",
  "Initech",
  "Umbrella",
  "Hooli",
  "Vandelay",
  "Stark",
  "Wayne",
  "Tyrell",
  "Soylent",
  "Wonka",
  "Cyberdyne",
  "Aperture",
  "Massive",
  "Oscorp",
  "Pied Piper",
  "Dunder",
  "Prestige",
  "Gringotts",
  "Monarch",
];
const SECOND = ["Labs", "Industries", "Holdings", "Trading", "Logistics", "Studios", "Foods", "Systems", "Partners", "Works"];

/** mulberry32: tiny, fast, and the same sequence on every machine. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function demoDataWindow(now: Date): { startsAt: Date; endsAt: Date } {
  const endsAt = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1));
  const startsAt = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 24, 1));
  return { startsAt, endsAt };
}

/**
 * Loads the dataset unless the same one is already there. Returns whether it
 * wrote anything. Never touches reports.
 */
export async function seedDemoData(db: PrismaClient, options: DemoDataOptions = {}): Promise<{ seeded: boolean; orders: number; customers: number }> {
  const customerCount = options.customers ?? 2000;
  const orderCount = options.orders ?? 120_000;
  const { startsAt, endsAt } = demoDataWindow(options.now ?? new Date());

  const existing = await db.seedInfo.findUnique({ where: { id: 1 } });
  if (
    !options.force &&
    existing?.version === DEMO_DATA_VERSION &&
    existing.orderCount === orderCount &&
    existing.customerCount === customerCount &&
    existing.endsAt.getTime() === endsAt.getTime()
  ) {
    return { seeded: false, orders: orderCount, customers: customerCount };
  }

  const random = prng(20261122);
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!;

  const products = PRODUCT_LINES.flatMap((line, li) =>
    PRODUCT_TIERS.map((tier, ti) => {
      const id = li * PRODUCT_TIERS.length + ti + 1;
      return {
        id,
        sku: `SKU-${String(id).padStart(4, "0")}`,
        name: `${line} ${tier.name}`,
        priceCents: Math.round((1900 + li * 700) * tier.factor),
      };
    }),
  );

  // Cumulative region weights for a weighted pick.
  const regionCdf = REGIONS.map((_, i) => REGIONS.slice(0, i + 1).reduce((s, r) => s + r.weight, 0));
  const pickRegion = () => {
    const x = random() * regionCdf[regionCdf.length - 1]!;
    return REGIONS[regionCdf.findIndex((c) => x <= c)]!;
  };
  const customers = Array.from({ length: customerCount }, (_, i) => {
    const international = INTERNATIONAL_CUSTOMERS[i];
    const region = international ? REGIONS.find((r) => r.code === international.region)! : pickRegion();
    return {
      id: i + 1,
      name: international ? international.name : `${pick(FIRST)} ${pick(SECOND)} ${i + 1}`,
      email: `customer${i + 1}@example.com`,
      regionId: region.id,
    };
  });

  // Orders: uniform over the window, thinned by a seasonal curve and weekends,
  // so charts have a shape. Sorted by time so ids follow the calendar.
  const span = endsAt.getTime() - startsAt.getTime();
  const times: number[] = [];
  while (times.length < orderCount) {
    const t = startsAt.getTime() + Math.floor(random() * span);
    const d = new Date(t);
    const season = 0.75 + 0.25 * Math.sin(((d.getUTCMonth() + 1) / 12) * 2 * Math.PI - Math.PI / 2);
    const growth = 0.7 + 0.3 * ((t - startsAt.getTime()) / span);
    const weekend = d.getUTCDay() === 0 || d.getUTCDay() === 6 ? 0.6 : 1;
    if (random() < season * growth * weekend) times.push(t);
  }
  times.sort((a, b) => a - b);

  await db.$transaction(
    async (tx) => {
      await tx.$executeRawUnsafe("TRUNCATE orders, customers, products, regions, seed_info");
      await tx.region.createMany({ data: REGIONS.map(({ id, code, name }) => ({ id, code, name })) });
      await tx.product.createMany({ data: products });
      // Rows go in as one array per column, unnested by Postgres: a statement per 50,000 rows instead of
      // Prisma's row-by-row parameters (100,000 customers in seconds, not a minute).
      const chunk = 50_000;
      const total = customers.length + times.length;
      for (let start = 0; start < customers.length; start += chunk) {
        const part = customers.slice(start, start + chunk);
        await tx.$executeRaw`
          insert into customers (id, name, email, region_id)
          select * from unnest(${part.map((c) => c.id)}::int[], ${part.map((c) => c.name)}::text[], ${part.map((c) => c.email)}::text[],
                               ${part.map((c) => c.regionId)}::int[])`;
        options.onProgress?.(Math.min(start + chunk, customers.length), total);
      }
      for (let start = 0; start < times.length; start += chunk) {
        const rows = times.slice(start, start + chunk).map((t, j) => {
          const customer = customers[Math.floor(random() * customers.length)]!;
          const product = products[Math.floor(random() * products.length)]!;
          const quantity = 1 + Math.floor(random() * random() * 6);
          return { id: start + j + 1, customerId: customer.id, regionId: customer.regionId, productId: product.id, quantity, price: product.priceCents, t };
        });
        await tx.$executeRaw`
          insert into orders (id, customer_id, region_id, product_id, quantity, unit_price_cents, total_cents, ordered_at)
          select id, customer_id, region_id, product_id, quantity, price, price * quantity, to_timestamp(ms / 1000.0)
          from unnest(${rows.map((r) => r.id)}::int[], ${rows.map((r) => r.customerId)}::int[], ${rows.map((r) => r.regionId)}::int[],
                      ${rows.map((r) => r.productId)}::int[], ${rows.map((r) => r.quantity)}::int[], ${rows.map((r) => r.price)}::int[],
                      ${rows.map((r) => r.t)}::bigint[]) as o(id, customer_id, region_id, product_id, quantity, price, ms)`;
        options.onProgress?.(customers.length + Math.min(start + chunk, times.length), total);
      }
      await tx.seedInfo.create({ data: { id: 1, version: DEMO_DATA_VERSION, orderCount, customerCount, endsAt } });
    },
    { timeout: 10 * 60_000, maxWait: 30_000 },
  );
  return { seeded: true, orders: orderCount, customers: customerCount };
}
