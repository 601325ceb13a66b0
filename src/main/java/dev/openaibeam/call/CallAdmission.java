package dev.openaibeam.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ErrorCode;
import dev.openaibeam.connection.ApiStyle;
import dev.openaibeam.cost.SpendTracker;
import dev.openaibeam.cost.TokenUsage;
import dev.openaibeam.cost.Usd;
import dev.openaibeam.tokens.TokenEstimate;
import java.io.IOException;
import java.util.Optional;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The one step every request passes before it may wait for budget: its token estimate, the token
 * budget, and the cost cap. A request either becomes a {@link PendingCall} (with its token charge
 * and, under a cap, the worst case to reserve), or is refused with the reason it can never be sent,
 * or is held back because the cap is reached. The cap's reservations are kept here too, from
 * reserve to settle, so the dollar side of a call lives in one place.
 */
final class CallAdmission {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** What became of one request at admission. */
  record Decision<O>(@Nullable PendingCall<O> call, @Nullable ApiError refusal) {
    static <O> Decision<O> heldBack() {
      return new Decision<>(null, null);
    }

    boolean isHeldBack() {
      return call == null && refusal == null;
    }
  }

  private final CallConfiguration configuration;
  private final SpendTracker spend;
  // No token budget, no cost cap, no deployment URL: nothing needs the body parsed or its tokens
  // counted (a third of the call stage's CPU at high rates); answers are priced by their model.
  private final boolean needsBody;

  CallAdmission(CallConfiguration configuration, SpendTracker spend) {
    this.configuration = configuration;
    this.spend = spend;
    this.needsBody =
        configuration.budget().getTokensPerMinute() > 0
            || spend.hasCap()
            // Deployment URLs and members serving some models only: the model picks the member.
            || configuration.pool().getMembers().stream().anyMatch(
                m -> m.getConnection().getApiStyle() == ApiStyle.AZURE || !m.getModels().isEmpty());
  }

  /**
   * @param tokensLimited whether the shard's budget limits tokens (given, or reported by the
   *     service), so the request's tokens must be counted even without a --tpm
   */
  <O> Decision<O> admit(String shardKey, ApiRequest request, O origin, boolean tokensLimited) {
    if (!needsBody && !tokensLimited) {
      return new Decision<>(new PendingCall<>(shardKey, request, origin, "", 0, 0, 0), null);
    }
    JsonNode body = parse(request.getBody());
    String model = body == null ? "" : body.path("model").asText("");
    if (body == null || !body.isObject()) {
      return refuse(ErrorCode.INVALID_JSON, "request body is not a JSON object");
    }
    TokenEstimate estimate =
        configuration.tokenEstimator().estimate(request.getEndpoint(), body);
    long tpm = configuration.budget().getTokensPerMinute();
    if (tpm > 0 && estimate.total() > tpm) { // a reported limit lets the service say it itself
      return refuse(ErrorCode.REQUEST_TOO_LARGE,
          "request needs about " + estimate.total() + " tokens (prompt " + estimate.promptTokens()
              + " + reserved completion " + estimate.completionTokens()
              + "), more than the whole budget of " + tpm
              + " tokens per minute; it can never be sent");
    }
    long worstCase = 0;
    if (spend.hasCap()) {
      Optional<Long> reservation = spend.reservationFor(model, estimate);
      if (reservation.isEmpty()) {
        return refuse(ErrorCode.UNPRICED_MODEL,
            "model '" + model + "' has no price, so a call could break the cost cap; add it"
                + " to the price file (--priceFile) or run without --maxCostUsd");
      }
      worstCase = reservation.get();
      if (spend.exceedsShardCap(worstCase)) {
        // Like a request over the whole TPM budget: this row can never fit, the others still can.
        return refuse(ErrorCode.COST_TOO_LARGE,
            "request could cost up to $" + Usd.format(worstCase) + " (prompt estimate +"
                + " margin and n x max tokens), more than a budget shard's share of the cost cap;"
                + " lower its max tokens, raise --maxCostUsd or use fewer --budgetShards");
      }
      if (spend.capped(shardKey)) {
        return Decision.heldBack();
      }
    }
    return new Decision<>(
        new PendingCall<>(shardKey, request, origin, model, estimate.total(),
            estimate.promptTokens(), worstCase),
        null);
  }

  /**
   * Reserves the call's worst case on its shard's cost account. False while it does not fit;
   * {@link #capReached} then says whether waiting for the calls in flight could help.
   */
  boolean tryReserve(PendingCall<?> call) {
    if (spend.tryReserve(call.shardKey, call.worstCaseNanoUsd)) {
      call.reservedNanoUsd = call.worstCaseNanoUsd;
      return true;
    }
    return false;
  }

  /**
   * The call does not fit even when the shard's calls in flight settle (or the shard has stopped):
   * the shard sends no more.
   */
  boolean capReached(PendingCall<?> call) {
    if (spend.capped(call.shardKey) || spend.reservedNanos(call.shardKey) == 0) {
      spend.stop(call.shardKey);
      spend.notSent();
      return true;
    }
    return false;
  }

  /** A row the cap kept from being sent at admission. */
  void countHeldBack() {
    spend.notSent();
  }

  /**
   * Prices an answer and replaces the call's reservation by its real cost; returns the cost in
   * nano-USD, -1 when unknown (no price or no usage).
   */
  long settle(PendingCall<?> call, JsonNode response, Optional<TokenUsage> usage) {
    long nanos = spend.settle(call.shardKey, call.model, response, usage, call.reservedNanoUsd);
    call.reservedNanoUsd = 0;
    return nanos;
  }

  /** A call that ended without an answer costs nothing: its reservation is given back. */
  void release(PendingCall<?> call) {
    spend.release(call.shardKey, call.reservedNanoUsd);
    call.reservedNanoUsd = 0;
  }

  private static <O> Decision<O> refuse(ErrorCode code, String message) {
    return new Decision<>(null, ApiError.of(code, message));
  }

  private static @Nullable JsonNode parse(String body) {
    try {
      return JSON.readTree(body);
    } catch (IOException e) {
      return null;
    }
  }
}
