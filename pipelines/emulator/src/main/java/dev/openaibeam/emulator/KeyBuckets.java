package dev.openaibeam.emulator;

import io.netty.handler.codec.http.HttpHeaders;
import java.time.Duration;

/**
 * One key's limits. Enforcing: a request and a token bucket of capacity limit × window / 60,
 * refilled continuously at limit / 60 per second, starting full; a call is admitted when one
 * request and min(charge, capacity) tokens are there, and a big call may drive the token level
 * negative. Reported: the {@code x-ratelimit-*} headers of the configured {@link
 * RateLimitHeaderKind}, for {@link RateLimitHeaderKind#MINUTE} from a second pair of buckets a
 * minute deep that every accepted call is charged to and that never refuses anything. A key may
 * also have a quota of accepted calls ({@link EmulatorConfig.Builder#quotaAfterCalls}): counted
 * under the same lock as the buckets, so exactly that many are admitted.
 */
final class KeyBuckets {
  /** The outcome of an admission check; {@code waitMillis} > 0 when rejected. */
  static final class Admission {
    final boolean admitted;
    final String kind; // "requests" or "tokens" when rejected
    final long waitMillis;

    Admission(boolean admitted, String kind, long waitMillis) {
      this.admitted = admitted;
      this.kind = kind;
      this.waitMillis = waitMillis;
    }
  }

  private static final Admission ADMITTED = new Admission(true, null, 0);
  /** Refused because the key's quota of accepted calls is used up (not a rate limit). */
  static final Admission OUT_OF_QUOTA = new Admission(false, "quota", 0);
  /** No quota: calls are admitted for ever. */
  static final long NO_QUOTA = Long.MAX_VALUE;

  final long rpm;
  final long tpm;
  private final RateLimitHeaderKind reporting;
  private final RefillingBucket windowRequests;
  private final RefillingBucket windowTokens;
  private final RefillingBucket minuteRequests;
  private final RefillingBucket minuteTokens;
  private final long quotaCalls;
  private volatile long admittedCalls; // written under this; read without it by outOfQuota

  /** With the instant the buckets start full, so a test can drive them on its own clock. */
  KeyBuckets(long rpm, long tpm, double windowSeconds, RateLimitHeaderKind reporting,
      long startNanos) {
    this(rpm, tpm, windowSeconds, reporting, NO_QUOTA, startNanos);
  }

  /** @param quotaCalls calls admitted before every call is {@link #OUT_OF_QUOTA}, or {@link #NO_QUOTA} */
  KeyBuckets(long rpm, long tpm, double windowSeconds, RateLimitHeaderKind reporting,
      long quotaCalls, long startNanos) {
    this.quotaCalls = quotaCalls;
    this.rpm = rpm;
    this.tpm = tpm;
    this.reporting = reporting;
    this.windowRequests =
        new RefillingBucket(Math.max(1, rpm * windowSeconds / 60.0), rpm, startNanos);
    this.windowTokens =
        new RefillingBucket(Math.max(1, tpm * windowSeconds / 60.0), tpm, startNanos);
    this.minuteRequests = new RefillingBucket(Math.max(1, rpm), rpm, startNanos);
    this.minuteTokens = new RefillingBucket(Math.max(1, tpm), tpm, startNanos);
  }

  /** Whether the key's quota of calls is used up (then every call is {@link #OUT_OF_QUOTA}). */
  boolean outOfQuota() {
    return admittedCalls >= quotaCalls;
  }

  synchronized Admission admit(long charge, long nowNanos) {
    if (outOfQuota()) {
      return OUT_OF_QUOTA;
    }
    refill(nowNanos);
    if (rpm > 0 && windowRequests.level() < 1) {
      return new Admission(false, "requests", waitMillis(1 - windowRequests.level(), rpm));
    }
    double neededTokens = Math.min(charge, windowTokens.capacity);
    if (tpm > 0 && windowTokens.level() < neededTokens) {
      return new Admission(false, "tokens", waitMillis(neededTokens - windowTokens.level(), tpm));
    }
    windowRequests.take(1);
    windowTokens.take(charge);
    minuteRequests.take(1);
    minuteTokens.take(charge);
    admittedCalls++;
    return ADMITTED;
  }

  /**
   * {@link #admit}, and for an admitted call its headers as of its own admission, under the same
   * lock: as a real limiter reports, so that calls admitted at once each see only their own charge
   * and those before them (set afterwards, a burst's headers would also count calls admitted
   * after theirs).
   */
  synchronized Admission admitAndReport(long charge, long nowNanos, HttpHeaders h) {
    Admission a = admit(charge, nowNanos);
    if (a.admitted) {
      headers(h, nowNanos);
    }
    return a;
  }

  private static long waitMillis(double missing, long perMinute) {
    return Math.max(1, (long) Math.ceil(missing / (perMinute / 60.0) * 1000));
  }

  /**
   * Sets the {@code x-ratelimit-*} headers for the current levels (replacing earlier ones, so an
   * answer can report the levels after its own charge); none for {@link RateLimitHeaderKind#NONE}.
   */
  synchronized void headers(HttpHeaders h, long nowNanos) {
    if (reporting == RateLimitHeaderKind.NONE) {
      return;
    }
    refill(nowNanos);
    boolean perMinute = reporting == RateLimitHeaderKind.MINUTE;
    if (rpm > 0) {
      RefillingBucket b = perMinute ? minuteRequests : windowRequests;
      h.set("x-ratelimit-limit-requests", Long.toString(rpm));
      h.set("x-ratelimit-remaining-requests", Long.toString(b.remaining()));
      h.set("x-ratelimit-reset-requests", goDuration(b.nanosUntilFull()));
    }
    if (tpm > 0) {
      RefillingBucket b = perMinute ? minuteTokens : windowTokens;
      h.set("x-ratelimit-limit-tokens", Long.toString(tpm));
      h.set("x-ratelimit-remaining-tokens", Long.toString(b.remaining()));
      h.set("x-ratelimit-reset-tokens", goDuration(b.nanosUntilFull()));
    }
  }

  private static String goDuration(long nanos) {
    return GoDurationFormat.format(Duration.ofNanos(nanos));
  }

  private void refill(long nowNanos) {
    windowRequests.refill(nowNanos);
    windowTokens.refill(nowNanos);
    minuteRequests.refill(nowNanos);
    minuteTokens.refill(nowNanos);
  }
}
