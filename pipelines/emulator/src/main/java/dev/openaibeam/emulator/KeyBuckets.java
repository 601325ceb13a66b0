package dev.openaibeam.emulator;

import io.netty.handler.codec.http.HttpHeaders;

/**
 * One key's request and token buckets: capacity = limit × window / 60, refilled continuously at
 * limit / 60 per second, starting full. A call is admitted when one request and min(charge,
 * capacity) tokens are there; a big call may drive the token level negative.
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

  final long rpm;
  final long tpm;
  private final double window;
  private final double requestCapacity;
  private final double tokenCapacity;
  private double requests;
  private double tokens;
  private long lastNanos;

  KeyBuckets(long rpm, long tpm, double windowSeconds) {
    this.rpm = rpm;
    this.tpm = tpm;
    this.window = windowSeconds;
    this.requestCapacity = Math.max(1, rpm * windowSeconds / 60.0);
    this.tokenCapacity = Math.max(1, tpm * windowSeconds / 60.0);
    this.requests = requestCapacity;
    this.tokens = tokenCapacity;
    this.lastNanos = System.nanoTime();
  }

  synchronized Admission admit(long charge, long nowNanos) {
    refill(nowNanos);
    if (rpm > 0 && requests < 1) {
      return new Admission(false, "requests", waitMillis(1 - requests, rpm));
    }
    double neededTokens = Math.min(charge, tokenCapacity);
    if (tpm > 0 && tokens < neededTokens) {
      return new Admission(false, "tokens", waitMillis(neededTokens - tokens, tpm));
    }
    requests -= 1;
    tokens -= charge;
    return new Admission(true, null, 0);
  }

  private static long waitMillis(double missing, long perMinute) {
    return Math.max(1, (long) Math.ceil(missing / (perMinute / 60.0) * 1000));
  }

  /** Adds the {@code x-ratelimit-*} headers (per-minute units) for the current levels. */
  synchronized void headers(HttpHeaders h, long nowNanos) {
    refill(nowNanos);
    if (rpm > 0) {
      h.add("x-ratelimit-limit-requests", Long.toString(rpm));
      h.add("x-ratelimit-remaining-requests", Long.toString(perMinute(requests)));
      h.add("x-ratelimit-reset-requests", reset(requestCapacity - requests, rpm));
    }
    if (tpm > 0) {
      h.add("x-ratelimit-limit-tokens", Long.toString(tpm));
      h.add("x-ratelimit-remaining-tokens", Long.toString(perMinute(tokens)));
      h.add("x-ratelimit-reset-tokens", reset(tokenCapacity - tokens, tpm));
    }
  }

  synchronized double requestLevel() {
    return requests;
  }

  private long perMinute(double level) {
    return (long) Math.floor(Math.max(0, level) * 60 / window);
  }

  private static String reset(double missing, long perMinute) {
    long nanos = (long) Math.ceil(Math.max(0, missing) / (perMinute / 60.0) * 1e9);
    return GoDurationFormat.format(java.time.Duration.ofNanos(nanos));
  }

  private void refill(long nowNanos) {
    long elapsed = nowNanos - lastNanos;
    if (elapsed > 0) {
      requests = Math.min(requestCapacity, requests + elapsed * (rpm / 60.0) / 1e9);
      tokens = Math.min(tokenCapacity, tokens + elapsed * (tpm / 60.0) / 1e9);
      lastNanos = nowNanos;
    }
  }
}
