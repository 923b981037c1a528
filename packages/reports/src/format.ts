// Numbers, money and dates as the reader's locale writes them (Intl), for the
// PDF and the email alike. Every date is a UTC calendar day ("YYYY-MM-DD"), so
// formatting is done in UTC and no time zone can shift a day. The words around
// them (labels, headings) stay English.
import { DEFAULT_LOCALE, divideCents, formatMoney, formatMoneyCompact, groupThousands } from "./pdf/money.ts";

export interface ReportFormat {
  /** The BCP 47 tag, canonicalised ("en-US"). */
  readonly locale: string;
  integer(value: number | bigint): string;
  money(cents: number | bigint): string;
  moneyCompact(cents: number | bigint): string;
  /** Average of `totalCents` over `count`, to the cent; "—" when count is 0. */
  averageMoney(totalCents: number | bigint, count: number): string;
  /** "October 5, 2026" (en-US), "5. Oktober 2026" (de-DE). */
  date(iso: string): string;
  /** "Oct 5, 2026", or "Oct 5" without the year. */
  shortDate(iso: string, withYear?: boolean): string;
  /** "October 2026", or "Oct 2026" when short. */
  month(iso: string, short?: boolean): string;
  /** Two days as a range, shared parts once: "October 1 – 31, 2026" ("Oct 1 – 31, 2026" when short). */
  dateRange(fromIso: string, toIso: string, short?: boolean): string;
  /** "November 22, 2026 at 5:30 AM UTC". */
  dateTimeUtc(date: Date): string;
}

/** The tag, canonicalised, if Intl knows the locale; otherwise undefined. */
export function canonicalLocale(tag: string): string | undefined {
  try {
    const [canonical] = Intl.getCanonicalLocales(tag);
    if (!canonical || Intl.NumberFormat.supportedLocalesOf(canonical).length === 0) return undefined;
    if (Intl.DateTimeFormat.supportedLocalesOf(canonical).length === 0) return undefined;
    return canonical;
  } catch {
    return undefined; // RangeError: not a well-formed BCP 47 tag
  }
}

const utcDay = (iso: string) => new Date(`${iso.slice(0, 10)}T00:00:00Z`);

const formats = new Map<string, ReportFormat>();

/** The formatter for a locale (cached). Throws a RangeError for a tag Intl can't use. */
export function createFormat(locale: string = DEFAULT_LOCALE): ReportFormat {
  const cached = formats.get(locale);
  if (cached) return cached;
  const canonical = canonicalLocale(locale);
  if (!canonical) throw new RangeError(`Unknown or malformed locale: ${JSON.stringify(locale)}`);
  const dates = (options: Intl.DateTimeFormatOptions) => new Intl.DateTimeFormat(canonical, { timeZone: "UTC", ...options });
  const long = dates({ year: "numeric", month: "long", day: "numeric" });
  const short = dates({ year: "numeric", month: "short", day: "numeric" });
  const shortNoYear = dates({ month: "short", day: "numeric" });
  const monthLong = dates({ year: "numeric", month: "long" });
  const monthShort = dates({ year: "numeric", month: "short" });
  const dateTime = dates({ year: "numeric", month: "long", day: "numeric", hour: "numeric", minute: "2-digit", timeZoneName: "short" });
  const format: ReportFormat = {
    locale: canonical,
    integer: (value) => groupThousands(value, canonical),
    money: (cents) => formatMoney(cents, canonical),
    moneyCompact: (cents) => formatMoneyCompact(cents, canonical),
    averageMoney: (totalCents, count) => (count === 0 ? "—" : formatMoney(divideCents(totalCents, count), canonical)),
    date: (iso) => long.format(utcDay(iso)),
    shortDate: (iso, withYear = true) => (withYear ? short : shortNoYear).format(utcDay(iso)),
    month: (iso, isShort = false) => (isShort ? monthShort : monthLong).format(utcDay(iso.length === 7 ? `${iso}-01` : iso)),
    dateRange: (fromIso, toIso, isShort = false) => (isShort ? short : long).formatRange(utcDay(fromIso), utcDay(toIso)),
    dateTimeUtc: (date) => dateTime.format(date),
  };
  formats.set(locale, format);
  return format;
}
