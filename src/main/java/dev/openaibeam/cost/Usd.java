package dev.openaibeam.cost;

import java.util.Locale;

/** Dollar amounts are carried as nano-dollars (10^-9 USD) in longs: exact sums, no float drift. */
public final class Usd {
  public static final long NANOS_PER_USD = 1_000_000_000L;

  private Usd() {}

  public static double fromNanos(long nanos) {
    return nanos / (double) NANOS_PER_USD;
  }

  public static long toNanos(double usd) {
    return Math.round(usd * NANOS_PER_USD);
  }

  /** {@code $12.3456}, or six decimals under a dollar (cheap models cost fractions of a cent). */
  public static String format(long nanos) {
    double usd = fromNanos(nanos);
    return String.format(Locale.ROOT, Math.abs(usd) < 1 ? "$%.6f" : "$%.4f", usd);
  }
}
