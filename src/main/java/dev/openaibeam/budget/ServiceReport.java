package dev.openaibeam.budget;

/**
 * What one answer's {@code x-ratelimit-*} headers said about one kind of limit (requests or
 * tokens); -1 where a header was absent or unusable.
 *
 * @param limit the per-minute limit
 * @param remaining what is left, in the unit the service reports it (see {@link #reportsPerMinute})
 * @param resetNanos time until the bucket is full again
 */
public record ServiceReport(long limit, long remaining, long resetNanos) {
  public static final ServiceReport NONE = new ServiceReport(-1, -1, -1);

  /**
   * Whether {@code remaining} counts against the per-minute limit (OpenAI's way: a fresh key at
   * 10,000 RPM says 9,999 after one call, while the service enforces about per second), rather than
   * the enforcing window's own bucket (other servers and gateways: never above one window's
   * capacity). The reset tells: it is the time to refill what is missing at the limit's rate, so
   * remaining + reset x rate is the capacity of the bucket reported, a minute's worth or a window's.
   * Without a reset, remaining above a window's worth can only be per minute; else per minute is
   * assumed, as OpenAI reports.
   */
  public boolean reportsPerMinute(double windowSeconds) {
    if (limit <= 0 || remaining < 0) {
      return true;
    }
    if (resetNanos < 0) {
      return true;
    }
    double capacity = remaining + resetNanos / 1e9 * limit / 60.0;
    return capacity >= limit * 0.5 || windowSeconds >= 30;
  }
}
