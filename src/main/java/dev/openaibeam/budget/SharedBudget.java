package dev.openaibeam.budget;

/**
 * A budget's buckets held outside the pipeline (a budget store), shared by every worker of every
 * job that names the same budget: one shard's {@link ShardPacer} asks it before each call, on top
 * of its own buckets. Implementations are shared by the threads of a worker and thread-safe.
 */
public interface SharedBudget {
  /**
   * The whole budget's buckets as this job knows them: rate per second and capacity (one window's
   * burst) of each kind; a rate of 0 leaves that kind to the local pacer.
   */
  record Limits(double requestRate, double requestCapacity, double tokenRate, double tokenCapacity) {}

  /** Nanoseconds before asking again makes sense (a refusal's wait, a shared 429 pause); 0 = ask. */
  long nanosUntilAsk(long nowNanos);

  /** Takes one request and {@code tokens} for a call sent now: 0 when granted, else the wait. */
  long reserve(long tokens, Limits limits, long nowNanos);

  /** Settles a charge: positive gives back, negative takes more (sent with the next reserve). */
  void settle(long requests, long tokens);

  /**
   * The service answered 429: its bucket of that kind is empty for everybody, and everybody waits
   * {@code pauseMillis} (0: no pause).
   */
  void rateLimited(boolean requestsKind, boolean tokensKind, long pauseMillis, Limits limits);

  /** Limits the service reported to this job, shared with the others (0 = none). */
  void reportLimits(long requestsPerMinute, long tokensPerMinute);

  /** Limits another job learned from the service (0 = none known). */
  long reportedRequestsPerMinute();

  long reportedTokensPerMinute();
}
