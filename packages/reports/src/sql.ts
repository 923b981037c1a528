/**
 * A count or sum from a raw query as a JS number. Postgres returns bigint
 * (BigInt) for count()/sum() of ints and numeric (a Decimal) for sum(bigint),
 * so convert explicitly and refuse anything that is not an exact integer.
 */
export function toSafeInteger(value: unknown): number {
  const n = typeof value === "bigint" ? Number(value) : typeof value === "number" ? value : Number(String(value));
  if (!Number.isSafeInteger(n)) throw new RangeError(`Expected a whole number from the database, got ${String(value)}`);
  return n;
}
