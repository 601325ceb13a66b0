package dev.openaibeam.call;

import dev.openaibeam.budget.ShardPacer;
import dev.openaibeam.cost.TokenUsage;
import dev.openaibeam.transport.RateLimitKind;
import java.util.Optional;

/**
 * What happens to calls, as the scheduler sees it, for whoever counts it ({@link CallMetrics}:
 * Beam's metrics and the local progress line). Called on the scheduler's thread only.
 */
interface CallListener {
  /** A request passed admission and will be sent. */
  void admitted(long tokenCharge, long promptEstimate);

  /** A request that can never be sent failed before any attempt. */
  void rejected();

  void attemptSent(long nowNanos, String member);

  /** An attempt came back, whatever its answer. */
  void attemptReturned(long nowNanos);

  void rateLimited(RateLimitKind kind, String member);

  void retried();

  /** A 2xx answer that could not be read (unparsable, a stream cut short): maybe billed. */
  void unreadableAnswer();

  /** A streamed answer's first token came this long after its send. */
  void firstToken(long millis);

  /**
   * @param promptEstimate our count of the prompt, when {@code estimated}
   */
  void answered(
      long latencyMillis, Optional<TokenUsage> usage, long promptEstimate, boolean estimated,
      String member);

  void failed();

  /** An answer's cost in nano-USD (-1: unknown, no price or no usage), by the member that made it. */
  void spent(long nanoUsd, String member);

  /** The calling thread waited this long for budget (not for answers). */
  void waitedForBudget(long millis);

  /** The calling thread waited this long for an in-flight slot while the budget had room. */
  void waitedForInFlight(long millis);

  /** The limits a shard's budget now paces by, and where they came from. */
  void limits(ShardPacer pacer, long nowNanos);
}
