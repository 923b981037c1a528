// Money is carried as integer cents and formatted with integer arithmetic, so
// $1,234,567.89 is printed exactly; floats never touch a printed amount.

type Cents = number | bigint;

function toBigInt(cents: Cents): bigint {
  if (typeof cents === "bigint") return cents;
  if (!Number.isSafeInteger(cents)) throw new RangeError(`Money must be a whole number of cents, got ${cents}`);
  return BigInt(cents);
}

/** Digits with thousands separators: 1234567n → "1,234,567". */
export function groupThousands(value: number | bigint): string {
  const negative = value < 0;
  const digits = (negative ? -BigInt(value) : BigInt(value)).toString();
  return (negative ? "-" : "") + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** 123456789 → "$1,234,567.89"; -5 → "-$0.05". */
export function formatMoney(cents: Cents): string {
  const value = toBigInt(cents);
  const abs = value < 0n ? -value : value;
  const dollars = groupThousands(abs / 100n);
  const rest = (abs % 100n).toString().padStart(2, "0");
  return `${value < 0n ? "-" : ""}$${dollars}.${rest}`;
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
 * Short axis label: 150000000 → "$1.5M", 25000000 → "$250K", 5000 → "$50".
 * Drops cents and keeps at most two decimals of the unit; for labels only.
 */
export function formatMoneyCompact(cents: Cents): string {
  const value = toBigInt(cents);
  const abs = (value < 0n ? -value : value) / 100n;
  const sign = value < 0n ? "-" : "";
  const units: [bigint, string][] = [
    [1_000_000_000n, "B"],
    [1_000_000n, "M"],
    [1_000n, "K"],
  ];
  for (const [size, suffix] of units) {
    if (abs >= size) {
      const whole = abs / size;
      const fraction = ((abs % size) * 100n) / size; // two decimals, truncated
      const decimals = fraction === 0n ? "" : "." + fraction.toString().padStart(2, "0").replace(/0$/, "");
      return `${sign}$${groupThousands(whole)}${decimals}${suffix}`;
    }
  }
  return `${sign}$${abs.toString()}`;
}
