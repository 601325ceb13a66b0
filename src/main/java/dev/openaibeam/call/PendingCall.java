package dev.openaibeam.call;

import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiRequest;
import java.util.ArrayList;
import java.util.List;

/**
 * One request on its way through its attempts: what the budget charges it, what it may cost, and
 * the caller's {@code origin} (where its outcome goes; opaque here).
 */
final class PendingCall<O> {
  final String shardKey;
  final ApiRequest request;
  final O origin;
  final String model;
  /** Tokens the budget charges: prompt estimate + reserved completion; 0 when not estimated. */
  final long tokenCharge;
  final long promptEstimate;
  /** Nano-USD to reserve before sending, under a cost cap; 0 without one. */
  final long worstCaseNanoUsd;
  final List<ApiError> errors = new ArrayList<>(1);
  int attempts;
  /**
   * Attempts that use up none of the row's: answered 429 rate_limit_exceeded (the budget's
   * signal), or refused by a pool member that was then retired (another member takes the row).
   */
  int freeAttempts;
  /** Attempts answered 2xx with a body that could not be read (retried once only). */
  int unreadableAnswers;
  /** The pool member its last attempt went to. */
  PoolMembers.Member member;
  boolean sentAsProbe;
  long firstSentNanos;
  long sentAtNanos;
  /** The shard's totals once this attempt was charged: what was sent after it is the difference. */
  long requestsTakenAtSend;
  long tokensTakenAtSend;
  /** Whether an attempt is out now. */
  boolean outstanding;
  long readyAtNanos;
  /** Nano-USD reserved for this call until its final answer. */
  long reservedNanoUsd;

  PendingCall(
      String shardKey,
      ApiRequest request,
      O origin,
      String model,
      long tokenCharge,
      long promptEstimate,
      long worstCaseNanoUsd) {
    this.shardKey = shardKey;
    this.request = request;
    this.origin = origin;
    this.model = model;
    this.tokenCharge = tokenCharge;
    this.promptEstimate = promptEstimate;
    this.worstCaseNanoUsd = worstCaseNanoUsd;
  }

  /** Whether its tokens were counted (they are only when a budget or cap needs them). */
  boolean estimated() {
    return tokenCharge > 0;
  }
}
