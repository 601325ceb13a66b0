package dev.openaibeam.cost;

import com.fasterxml.jackson.databind.JsonNode;
import dev.openaibeam.tokens.TokenEstimate;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.function.Supplier;

/**
 * The dollar side of one calling instance: prices every answer from its {@code usage} (Beam
 * counters, see {@link CostMetrics}) and, under a cap, keeps each budget shard's account.
 *
 * <p>Before a call is sent its worst case is reserved: the prompt estimate plus {@value
 * #PROMPT_MARGIN_PERCENT}% (our tokenizer's count can differ from the service's) at the input price,
 * plus n x max completion tokens at the output price. Calls in flight count with their reservation;
 * when the answer arrives the reservation is replaced by the real cost (a failed call releases
 * it). The account lives in memory while this instance holds the key and is written to Beam state
 * after each element ({@link #snapshot}); an instance that finds a snapshot it did not write last
 * continues from it, counting its reservations as spent. Not thread-safe: used on the DoFn thread.
 */
public final class SpendTracker {
  static final int PROMPT_MARGIN_PERCENT = 10;

  private final CostSettings settings;
  private final long shardCapNanos;
  private final CostMetrics metrics = new CostMetrics();
  private final String instanceId = UUID.randomUUID().toString();
  private final Map<String, ShardSpend> shards = new HashMap<>();
  private final Set<String> checkedThisBundle = new HashSet<>();
  private long sequence;

  public SpendTracker(CostSettings settings, int budgetShards) {
    this.settings = settings;
    this.shardCapNanos = settings.shardCapNanos(budgetShards);
  }

  public boolean hasCap() {
    return settings.hasCap();
  }

  /** A new bundle: each shard's account is checked against Beam state on its first element. */
  public void startBundle() {
    checkedThisBundle.clear();
  }

  /**
   * Makes the shard's account current: ours if we wrote the state last, else the state's. Without a
   * cap there is no account, and the state is not read.
   */
  public void load(String shardKey, Supplier<SpendSnapshot> stored) {
    if (!hasCap() || !checkedThisBundle.add(shardKey)) {
      return;
    }
    SpendSnapshot s = stored.get();
    ShardSpend mine = shards.get(shardKey);
    boolean oursIsCurrent =
        mine != null
            && (s == null || (s.writer.equals(instanceId) && s.sequence == mine.writtenSequence));
    if (!oursIsCurrent) {
      shards.put(
          shardKey, s == null ? new ShardSpend(shardCapNanos) : ShardSpend.restored(shardCapNanos, s));
    }
  }

  /** Whether the shard has stopped sending because its share of the cap is used up. */
  public boolean capped(String shardKey) {
    return account(shardKey).capped;
  }

  /** The worst-case cost of a request in nano-dollars; empty when its model has no price. */
  public Optional<Long> reservationFor(String model, TokenEstimate estimate) {
    return settings
        .prices()
        .lookup(model)
        .map(
            m ->
                m.price()
                    .nanoUsd(
                        TokenUsage.of(
                            estimate.promptTokens()
                                + ceilPercent(estimate.promptTokens(), PROMPT_MARGIN_PERCENT),
                            0,
                            estimate.completionTokens()),
                        PricingMode.ONLINE));
  }

  /**
   * Whether a call reserving {@code nanos} could never be sent, even on an empty account: it alone
   * is more than a shard's share of the cap.
   */
  public boolean exceedsShardCap(long nanos) {
    return nanos > shardCapNanos;
  }

  /** Reserves {@code nanos} on the shard if that keeps it within its cap. */
  public boolean tryReserve(String shardKey, long nanos) {
    return account(shardKey).tryReserve(nanos);
  }

  /** What the shard's calls in flight (and retries waiting) have reserved. */
  public long reservedNanos(String shardKey) {
    return account(shardKey).reservedNanos;
  }

  /** The next call does not fit even with nothing in flight: the shard sends no more. */
  public void stop(String shardKey) {
    account(shardKey).capped = true;
  }

  /** Counts a row held back by the cap (not sent, not a failure, resumable). */
  public void notSent() {
    metrics.notSent();
  }

  /**
   * Prices a successful answer (by the request's model, else the response's) and replaces the
   * call's reservation with that cost. An unpriced answer is counted as such; under a cap its
   * reservation stays spent, since its real cost is unknown.
   */
  public long settle(String shardKey, String requestModel, JsonNode responseBody,
      Optional<TokenUsage> usage, long reservedNanos) {
    long nanos = record(requestModel, responseBody, usage, PricingMode.ONLINE);
    // An unpriced answer's real cost is unknown: its reservation stays spent.
    account(shardKey).settle(reservedNanos, nanos < 0 ? reservedNanos : nanos);
    return nanos;
  }

  /**
   * Prices one answer (by the request's model, else the response's) into the spend counters and
   * returns its cost in nano-dollars, or -1 when it has no price or no usage (counted as unpriced).
   */
  public long record(String requestModel, JsonNode responseBody, PricingMode mode) {
    return record(requestModel, responseBody, TokenUsage.fromResponse(responseBody), mode);
  }

  /** As {@link #record(String, JsonNode, PricingMode)}, with the answer's usage already read. */
  public long record(String requestModel, JsonNode responseBody, Optional<TokenUsage> usage,
      PricingMode mode) {
    String responseModel = responseBody == null ? "" : responseBody.path("model").asText("");
    Optional<PriceTable.Match> match = settings.prices().lookup(requestModel);
    if (match.isEmpty()) {
      match = settings.prices().lookup(responseModel);
    }
    if (match.isEmpty() || usage.isEmpty()) {
      metrics.unpriced(requestModel.isEmpty() ? responseModel : requestModel);
      return -1;
    }
    long nanos = match.get().price().nanoUsd(usage.get(), mode);
    metrics.spent(match.get().name(), nanos);
    return nanos;
  }

  /** A call that ended without an answer costs nothing: its reservation is given back. */
  public void release(String shardKey, long reservedNanos) {
    if (reservedNanos > 0) {
      account(shardKey).settle(reservedNanos, 0);
    }
  }

  /** The shard's account for Beam state. */
  public SpendSnapshot snapshot(String shardKey) {
    ShardSpend s = account(shardKey);
    s.writtenSequence = ++sequence;
    return new SpendSnapshot(s.settledNanos, s.reservedNanos, s.capped, instanceId, s.writtenSequence);
  }

  private ShardSpend account(String shardKey) {
    return shards.computeIfAbsent(shardKey, k -> new ShardSpend(shardCapNanos));
  }

  private static long ceilPercent(long value, int percent) {
    return (value * percent + 99) / 100;
  }
}
