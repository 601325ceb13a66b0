package dev.openaibeam.emulator;

import io.netty.handler.codec.http.HttpHeaders;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The per-key rate limits: a key's {@link KeyBuckets} are made on its first call, with its own
 * limits or the default ones, and this builds the service's 429 answers when they say no.
 */
final class RateLimiter {
  /** The 429's whole message from a service that tells nothing of its limits. */
  static final String BARE_MESSAGE = "Rate limit exceeded. Please retry later.";

  private final EmulatorConfig config;
  private final Map<String, KeyBuckets> buckets = new ConcurrentHashMap<>();

  RateLimiter(EmulatorConfig config) {
    this.config = config;
  }

  KeyBuckets bucketsFor(String key) {
    return buckets.computeIfAbsent(config.accountOf(key), k -> {
      EmulatorConfig.Limits l = config.limitsFor(k);
      return new KeyBuckets(l.rpm, l.tpm, config.windowSeconds, config.rateLimitHeaders,
          config.quotaCallsFor(k), System.nanoTime());
    });
  }

  /** Refills every bucket and restores every quota of calls (by forgetting them). */
  void reset() {
    buckets.clear();
  }

  /** A request that alone needs more than the key's whole TPM limit: it can never be admitted. */
  static Reply tooLarge(String model, long tpm, long charge, HttpHeaders headers) {
    return new Reply(429, ErrorBodies.error("Request too large for " + model + " in organization "
        + "org-emulator on tokens per min (TPM): Limit " + tpm + ", Requested " + charge
        + ". The input or output tokens must be reduced in order to run successfully.",
        "tokens", "rate_limit_exceeded"), headers);
  }

  /**
   * A call the buckets turned away: the levels after the refusal, how long to wait ({@code
   * retry-after-ms}, and whole seconds in {@code retry-after}), and which limit was hit. A service
   * of kind {@link RateLimitHeaderKind#NONE} says only the whole seconds and that it is a limit.
   */
  Reply limited(KeyBuckets b, KeyBuckets.Admission a, String model, long charge,
      String requestId) {
    HttpHeaders headers = Reply.apiHeaders(requestId);
    b.headers(headers, System.nanoTime());
    boolean requests = "requests".equals(a.kind);
    String type = requests ? "requests" : "tokens";
    if (config.rateLimitHeaders == RateLimitHeaderKind.NONE) {
      headers.add("retry-after", Long.toString(Math.max(1, (a.waitMillis + 999) / 1000)));
      return new Reply(429, ErrorBodies.error(BARE_MESSAGE, type, "rate_limit_exceeded"), headers);
    }
    headers.add("retry-after-ms", Long.toString(a.waitMillis));
    headers.add("retry-after", Long.toString((a.waitMillis + 999) / 1000));
    String what = requests ? "requests per min (RPM)" : "tokens per min (TPM)";
    long limit = requests ? b.rpm : b.tpm;
    String message = String.format(Locale.ROOT,
        "Rate limit reached for %s in organization org-emulator on %s: Limit %d, Used %d, Requested %d. "
            + "Please try again in %dms.", model, what, limit, limit, requests ? 1 : charge, a.waitMillis);
    return new Reply(429, ErrorBodies.error(message, type, "rate_limit_exceeded"), headers);
  }
}
