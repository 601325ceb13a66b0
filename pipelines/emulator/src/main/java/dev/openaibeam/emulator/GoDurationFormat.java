package dev.openaibeam.emulator;

import java.time.Duration;
import java.util.Locale;

/** Formats durations the way Go's {@code time.Duration.String()} does, as the service sends them. */
final class GoDurationFormat {
  private GoDurationFormat() {}

  static String format(Duration d) {
    long nanos = Math.max(0, d.toNanos());
    if (nanos == 0) {
      return "0s";
    }
    if (nanos < 1_000_000_000L) {
      if (nanos < 1_000_000L) {
        return trim(String.format(Locale.ROOT, "%.3f", nanos / 1e3)) + "us";
      }
      return trim(String.format(Locale.ROOT, "%.3f", nanos / 1e6)) + "ms";
    }
    long hours = nanos / 3_600_000_000_000L;
    long minutes = (nanos / 60_000_000_000L) % 60;
    double seconds = (nanos % 60_000_000_000L) / 1e9;
    StringBuilder s = new StringBuilder();
    if (hours > 0) {
      s.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      s.append(minutes).append('m');
    }
    s.append(trim(String.format(Locale.ROOT, "%.3f", seconds))).append('s');
    return s.toString();
  }

  private static String trim(String decimal) {
    if (decimal.indexOf('.') < 0) {
      return decimal;
    }
    int end = decimal.length();
    while (decimal.charAt(end - 1) == '0') {
      end--;
    }
    if (decimal.charAt(end - 1) == '.') {
      end--;
    }
    return decimal.substring(0, end);
  }
}
