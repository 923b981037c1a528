// Money is carried as integer cents. Printing goes through Intl for the reader's
// locale, but with the amount given as an exact decimal string ("1234567.89"),
// so $1,234,567.89 is printed exactly; floats never touch a printed amount.
// The demo data's currency is US dollars whatever the locale; only its
// formatting (symbol placement, separators, digits) follows the locale.

type Cents = number | bigint;

export const CURRENCY = "USD";
export const DEFAULT_LOCALE = "en-US";

function toBigInt(cents: Cents): bigint {
  if (typeof cents === "bigint") return cents;
  if (!Number.isSafeInteger(cents)) throw new RangeError(`Money must be a whole number of cents, got ${cents}`);
  return BigInt(cents);
}

/** 123456789n → "1234567.89" (exact, for Intl). */
function decimalString(cents: bigint): string {
  const abs = cents < 0n ? -cents : cents;
  return `${cents < 0n ? "-" : ""}${abs / 100n}.${(abs % 100n).toString().padStart(2, "0")}`;
}

const cache = new Map<string, Intl.NumberFormat>();
function numberFormat(locale: string, kind: "integer" | "money" | "compact"): Intl.NumberFormat {
  const key = `${locale}|${kind}`;
  let format = cache.get(key);
  if (!format) {
    const options: Intl.NumberFormatOptions =
      kind === "integer"
        ? { maximumFractionDigits: 0 }
        : kind === "money"
          ? { style: "currency", currency: CURRENCY }
          : { style: "currency", currency: CURRENCY, notation: "compact", maximumSignificantDigits: 3 };
    format = new Intl.NumberFormat(locale, options);
    cache.set(key, format);
  }
  return format;
}

/** A whole number with the locale's grouping: 1234567n → "1,234,567" (en-US), "1.234.567" (de-DE). */
export function groupThousands(value: number | bigint, locale = DEFAULT_LOCALE): string {
  return numberFormat(locale, "integer").format(typeof value === "bigint" ? value : toBigInt(value));
}

/** 123456789 → "$1,234,567.89" (en-US), "1.234.567,89 $" (de-DE); -5 → "-$0.05". */
export function formatMoney(cents: Cents, locale = DEFAULT_LOCALE): string {
  // Intl.NumberFormat v3 formats a decimal string exactly (no float on the way).
  return numberFormat(locale, "money").format(decimalString(toBigInt(cents)) as unknown as number);
}

/** `totalCents / count` rounded half away from zero to a whole cent (e.g. an average order value). */
export function divideCents(totalCents: Cents, count: number | bigint): bigint {
  const total = toBigInt(totalCents);
  const n = BigInt(count);
  if (n <= 0n) throw new RangeError("Cannot divide money by zero or a negative count");
  const abs = total < 0n ? -total : total;
  const rounded = (2n * abs + n) / (2n * n);
  return total < 0n ? -rounded : rounded;
}

/**
 * Short axis label, at most three significant digits: 150000000 → "$1.5M",
 * 25000000 → "$250K", 5000 → "$50" (en-US); "1,5 Mio. $" (de-DE). For labels only.
 */
export function formatMoneyCompact(cents: Cents, locale = DEFAULT_LOCALE): string {
  return numberFormat(locale, "compact").format(decimalString(toBigInt(cents)) as unknown as number);
}
