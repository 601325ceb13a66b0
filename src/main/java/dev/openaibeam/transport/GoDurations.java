package dev.openaibeam.transport;

import java.time.Duration;

/** Parses Go duration strings as the service sends them in {@code x-ratelimit-reset-*}. */
public final class GoDurations {
  private GoDurations() {}

  /** {@code 1s}, {@code 6m0s}, {@code 12ms}, {@code 1.5s}, {@code 2m30.25s}, {@code 1h2m}, {@code 500us}. */
  public static Duration parse(String s) {
    if (s == null || s.isEmpty()) {
      throw new IllegalArgumentException("empty duration");
    }
    String t = s.trim();
    if (t.equals("0")) {
      return Duration.ZERO;
    }
    double nanos = 0;
    int i = 0;
    boolean any = false;
    while (i < t.length()) {
      int start = i;
      while (i < t.length() && (Character.isDigit(t.charAt(i)) || t.charAt(i) == '.')) {
        i++;
      }
      if (start == i) {
        throw new IllegalArgumentException("not a Go duration: " + s);
      }
      double value = Double.parseDouble(t.substring(start, i));
      int unitStart = i;
      while (i < t.length() && !Character.isDigit(t.charAt(i)) && t.charAt(i) != '.') {
        i++;
      }
      nanos += value * unitNanos(t.substring(unitStart, i), s);
      any = true;
    }
    if (!any) {
      throw new IllegalArgumentException("not a Go duration: " + s);
    }
    return Duration.ofNanos(Math.round(nanos));
  }

  private static double unitNanos(String unit, String whole) {
    switch (unit) {
      case "h":
        return 3600e9;
      case "m":
        return 60e9;
      case "s":
        return 1e9;
      case "ms":
        return 1e6;
      case "us":
      case "µs":
        return 1e3;
      case "ns":
        return 1;
      default:
        throw new IllegalArgumentException("not a Go duration: " + whole);
    }
  }
}
