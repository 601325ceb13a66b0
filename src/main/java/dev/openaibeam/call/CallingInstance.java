package dev.openaibeam.call;

import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ErrorCode;
import dev.openaibeam.budget.ShardBudgets;
import dev.openaibeam.cost.SpendSnapshot;
import dev.openaibeam.cost.SpendTracker;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What a calling DoFn instance holds on its worker, whichever way it emits: the pool's clients,
 * the scheduler, the result journal and its replay index, and the spend under a cost cap. Answers
 * are journaled the moment they are handled; every outcome then goes to the DoFn's {@link
 * Outputs}, which decides when Beam may emit it.
 *
 * @param <O> the DoFn's origin of a request (where its outcome goes)
 */
final class CallingInstance<O> {
  private static final Counter REPLAYED =
      Metrics.counter(CallMetrics.NAMESPACE, CallMetrics.JOURNAL_REPLAYED);

  /** Where the DoFn keeps an outcome until it can emit it. */
  interface Outputs<O> {
    <T> void add(TupleTag<T> tag, T value, O origin);

    /** The request is settled with nothing to emit (held back by the cost cap, for a resume). */
    default void leftUnanswered(O origin) {}
  }

  private final TupleTag<ApiResponse> responsesTag;
  private final TupleTag<ApiFailure> failuresTag;
  private final Outputs<O> outputs;
  private final PoolMembers members;
  private final CallScheduler<O> scheduler;
  private final @Nullable JournalWriter journal;
  private final @Nullable JournalReplay replay;
  private final SpendTracker spend;

  CallingInstance(
      CallConfiguration configuration,
      String runToken,
      TupleTag<ApiResponse> responsesTag,
      TupleTag<ApiFailure> failuresTag,
      Outputs<O> outputs) {
    this.responsesTag = responsesTag;
    this.failuresTag = failuresTag;
    this.outputs = outputs;
    // The keys are read here, on the worker, and live only in the members' clients.
    members = new PoolMembers(configuration, runToken, CallScheduler.connectionsFor(configuration));
    ResultJournal j = configuration.journal();
    journal = j == null ? null : new JournalWriter(j);
    replay = j == null || j.getReplayParser() == null ? null : JournalReplay.load(j, j.getReplayParser());
    spend = new SpendTracker(configuration.cost(), configuration.budgetShards());
    scheduler =
        new CallScheduler<>(
            configuration, runToken, members, new CallAdmission(configuration, spend), new CallMetrics(),
            new Outcomes());
  }

  CallScheduler<O> scheduler() {
    return scheduler;
  }

  void startBundle() {
    scheduler.startBundle();
    spend.startBundle();
  }

  /** This run's journaled answer to {@code request} (the instance was restarted), or null. */
  @Nullable ApiResponse journaled(ApiRequest request) {
    ApiResponse a = replay == null ? null : replay.answerFor(request);
    if (a != null) {
      REPLAYED.inc();
    }
    return a;
  }

  /**
   * Submits {@code request} for its shard, continuing the shard's budgets and spend from Beam
   * state when the key was elsewhere, and writes them back; blocks while budget or in-flight limit
   * say so.
   */
  void submit(
      String shardKey,
      ApiRequest request,
      O origin,
      ValueState<ShardBudgets.Snapshot> budgetsState,
      ValueState<SpendSnapshot> spendState) {
    ShardBudgets budgets = scheduler.budgets(shardKey, budgetsState::read);
    spend.load(shardKey, spendState::read); // reads state only under a cap
    scheduler.submit(shardKey, request, origin);
    budgetsState.write(budgets.snapshot(System.nanoTime(), System.currentTimeMillis()));
    if (spend.hasCap()) {
      spendState.write(spend.snapshot(shardKey));
    }
  }

  /** Closes the journal's current file, so what it holds is durable even on object stores. */
  void rollJournal() {
    if (journal != null) {
      journal.roll();
    }
  }

  /** Torn down, maybe mid-bundle (cancelled): journals what is paid, then closes everything. */
  void close() {
    scheduler.keepAnswersInFlight();
    if (journal != null) {
      journal.close();
    }
    members.close();
  }

  /** Outcomes as the scheduler knows them: answers journaled at once, all kept for emitting. */
  private final class Outcomes implements CallSink<O> {
    @Override
    public void answered(O origin, ApiResponse response) {
      if (journal != null) {
        journal.append(response); // durable before Beam's sinks, which finalize only at the end
      }
      outputs.add(responsesTag, response, origin);
    }

    @Override
    public void failed(O origin, ApiFailure failure) {
      outputs.add(failuresTag, failure, origin);
    }

    /**
     * With a result journal a held-back row is left unanswered, so a run with resume sends it;
     * without one nothing would ever name it, so it becomes a replayable failure.
     */
    @Override
    public void heldBack(O origin, ApiRequest request) {
      if (journal == null) {
        failed(origin, ApiFailure.notSent(request, ApiError.of(ErrorCode.COST_CAP_REACHED,
            "not sent: the cost cap (--maxCostUsd) was reached; replay this failure to send it")));
      } else {
        outputs.leftUnanswered(origin);
      }
    }
  }
}
