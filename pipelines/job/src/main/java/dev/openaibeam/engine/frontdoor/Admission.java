package dev.openaibeam.engine.frontdoor;

import java.util.OptionalLong;

/**
 * Whether the front door takes one more request: not when it already holds
 * {@code maxConcurrentRequests}, and not when the queue is longer than the budget serves in
 * {@code maxQueueSeconds} (the budget's rate is the configured requests per minute, else the rate
 * answers have been coming at). A refusal carries the seconds after which the queue will have room:
 * the 429's {@code retry-after}.
 */
final class Admission {
  private final int maxConcurrent;
  private final double maxQueueSeconds;
  private final double configuredPerSecond;
  private final AnswerRate observed;

  Admission(int maxConcurrent, double maxQueueSeconds, double requestsPerMinute, AnswerRate observed) {
    this.maxConcurrent = maxConcurrent;
    this.maxQueueSeconds = maxQueueSeconds;
    this.configuredPerSecond = requestsPerMinute / 60.0;
    this.observed = observed;
  }

  /** Empty: admitted. Else the retry-after in seconds (at least 1). */
  OptionalLong refuse(int queued, long nowNanos) {
    double rate = rate(nowNanos);
    if (queued >= maxConcurrent) {
      // Room comes back as answers leave: the time one answer takes at the rate, at least 1 s.
      return OptionalLong.of(rate <= 0 ? 1 : Math.max(1, (long) Math.ceil(1 / rate)));
    }
    if (rate <= 0) {
      return OptionalLong.empty(); // nothing known yet: the pipeline's backpressure paces it
    }
    double room = rate * maxQueueSeconds;
    if (queued + 1 <= room) {
      return OptionalLong.empty();
    }
    return OptionalLong.of(Math.max(1, (long) Math.ceil((queued + 1 - room) / rate)));
  }

  /** Requests per second the budget serves: the configured limit, else what answers show. */
  double rate(long nowNanos) {
    return configuredPerSecond > 0 ? configuredPerSecond : observed.perSecond(nowNanos);
  }
}
