package dev.openaibeam.call;

import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.budget.ServiceReport;
import dev.openaibeam.budget.ShardPacer;
import dev.openaibeam.budget.WorkerThrottle;
import dev.openaibeam.cost.TokenUsage;
import dev.openaibeam.transport.CallOutcome;
import dev.openaibeam.transport.RateLimitHeaders;
import dev.openaibeam.transport.RateLimitKind;
import dev.openaibeam.transport.Verdict;
import java.time.Duration;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What one attempt's answer means for its call and its member: the budget learns from the headers,
 * a success and a final failure go to the {@link CallSink}, a retry gets its time, and a member
 * whose key is refused or whose quota is gone is retired (its call goes to another member, at no
 * cost to the row's attempts). This is the single retry layer.
 */
final class AnswerHandling<O> {
  /** What the scheduler does next with the call. */
  record Next(long retryAtNanos, @Nullable ApiError stopsTheRun) {
    static final Next DONE = new Next(-1, null);

    boolean retry() {
      return retryAtNanos >= 0;
    }
  }

  private final CallConfiguration configuration;
  private final PoolMembers members;
  private final CallAdmission admission;
  private final CallListener listener;
  private final CallSink<O> sink;
  private final InFlightLimit inFlightLimit;
  private final Random random = new Random();

  AnswerHandling(
      CallConfiguration configuration,
      PoolMembers members,
      CallAdmission admission,
      CallListener listener,
      CallSink<O> sink,
      InFlightLimit inFlightLimit) {
    this.configuration = configuration;
    this.members = members;
    this.admission = admission;
    this.listener = listener;
    this.sink = sink;
    this.inFlightLimit = inFlightLimit;
  }

  Next handle(PendingCall<O> call, CallOutcome outcome, @Nullable ShardPacer pacer, long now) {
    PoolMembers.Member member = call.member;
    if (pacer != null) {
      RateLimitHeaders h = outcome.rateLimits();
      pacer.observe(
          report(h.limitRequests(), h.remainingRequests(), h.resetRequests()),
          report(h.limitTokens(), h.remainingTokens(), h.resetTokens()),
          pacer.requestsTaken() - call.requestsTakenAtSend,
          pacer.tokensTaken() - call.tokensTakenAtSend,
          call.sentAtNanos,
          now);
    }
    Verdict verdict = outcome.verdict();
    if (verdict == Verdict.SUCCESS) {
      succeed(call, outcome, pacer, now);
      return Next.DONE;
    }
    ApiError error = outcome.error();
    call.errors.add(error);
    boolean pool = !configuration.pool().isSingle();
    if (verdict == Verdict.FAIL_RUN && (pool || configuration.stopOnHopelessErrors())) {
      members.retire(member, error); // an invalid key or no quota: this member serves no more
      return anotherMember(call, error, now, configuration.stopOnHopelessErrors() ? error : null);
    }
    if (verdict == Verdict.FAIL_ROW && outcome.status() == 403 && pool) {
      members.retireFor(member, call.model, error); // no access to this model with that key
      return anotherMember(call, error, now, null);
    }
    if (outcome.unreadableAnswer()) {
      // The service answered and may have charged it: one more try, never a loop of paid answers.
      listener.unreadableAnswer();
      if (++call.unreadableAnswers > 1) {
        fail(call, error);
        return Next.DONE;
      }
    }
    if (verdict == Verdict.RETRY) {
      OptionalLong retryAfter = outcome.retryAfterMillis();
      boolean rateLimited = outcome.status() == 429;
      if (rateLimited) {
        // The budget's signal, not the row's failure: it uses up none of the row's attempts.
        call.freeAttempts++;
        onRateLimited(call, outcome.rateLimitKind(), retryAfter, pacer, now);
      }
      boolean attemptsLeft = call.attempts - call.freeAttempts < configuration.maxAttempts();
      long readyAt =
          now + TimeUnit.MILLISECONDS.toNanos(
              configuration.backoff().delayMillis(call.attempts, retryAfter, random));
      // A retry that could only come after the row's deadline is not waited for.
      boolean beforeDeadline = readyAt - call.firstSentNanos < configuration.rowDeadline().toNanos();
      if ((rateLimited || attemptsLeft) && beforeDeadline) {
        listener.retried();
        return new Next(readyAt, null);
      }
    }
    fail(call, error);
    return Next.DONE;
  }

  /**
   * The member cannot serve the call: another one that serves its model takes it at once, the
   * attempt costing the row nothing. With none left the row fails, or the run stops when the
   * error says no row can succeed ({@code stop}).
   */
  private Next anotherMember(PendingCall<O> call, ApiError error, long now, @Nullable ApiError stop) {
    if (members.canServe(call.model)) {
      call.freeAttempts++;
      listener.retried();
      return new Next(now, null);
    }
    fail(call, error);
    return stop == null ? Next.DONE : new Next(-1, stop);
  }

  private void onRateLimited(
      PendingCall<O> call, RateLimitKind kind, OptionalLong retryAfter, @Nullable ShardPacer pacer,
      long now) {
    listener.rateLimited(kind, call.member.name());
    inFlightLimit.rateLimited();
    boolean pause = true;
    if (pacer != null) {
      // A rejected call was not charged by the service; the bucket it hit is empty there.
      pacer.refund(call.tokenCharge, now);
      pause =
          pacer.onRateLimited(
              kind != RateLimitKind.TOKENS,
              kind == RateLimitKind.TOKENS || kind == RateLimitKind.UNKNOWN,
              now);
      listener.limits(pacer, now);
    }
    long pauseMs = retryAfter.isPresent() ? retryAfter.getAsLong() : 1000;
    if (pause) {
      WorkerThrottle.pauseUntil(call.member.groupBudgetId, now + TimeUnit.MILLISECONDS.toNanos(pauseMs));
    }
    if (pacer != null) {
      // Every job on the budget store learns it: that bucket is empty, and the pause.
      pacer.shareRateLimit(kind != RateLimitKind.TOKENS,
          kind == RateLimitKind.TOKENS || kind == RateLimitKind.UNKNOWN, pause ? pauseMs : 0);
    }
  }

  private void succeed(PendingCall<O> call, CallOutcome outcome, @Nullable ShardPacer pacer, long now) {
    Optional<TokenUsage> usage = TokenUsage.fromResponse(outcome.json());
    long latencyMs = TimeUnit.NANOSECONDS.toMillis(outcome.latencyNanos());
    inFlightLimit.answered(outcome.latencyNanos());
    if (pacer != null) {
      listener.limits(pacer, now);
      // The service charges the prompt it counted plus the completion it reserved.
      if (usage.isPresent() && call.estimated()) {
        pacer.adjustTokens(call.promptEstimate - usage.get().inputTokens(), now);
      }
    }
    listener.answered(latencyMs, usage, call.promptEstimate, call.estimated(), call.member.name());
    listener.spent(admission.settle(call, outcome.json(), usage), call.member.name());
    long firstTokenMs = -1;
    if (outcome.firstTokenNanos() >= 0) {
      firstTokenMs = TimeUnit.NANOSECONDS.toMillis(outcome.firstTokenNanos());
      listener.firstToken(firstTokenMs);
    }
    String body = outcome.body() == null ? "" : outcome.body();
    sink.answered(call.origin, ApiResponse.of(call.request, body, call.attempts, latencyMs,
        outcome.requestId(), firstTokenMs));
  }

  void fail(PendingCall<O> call, ApiError error) {
    admission.release(call);
    listener.failed();
    sink.failed(call.origin, ApiFailure.of(call.request, error, call.attempts, call.errors));
  }

  private static ServiceReport report(
      OptionalLong limit, OptionalLong remaining, Optional<Duration> reset) {
    return new ServiceReport(
        limit.orElse(-1), remaining.orElse(-1), reset.map(Duration::toNanos).orElse(-1L));
  }
}
