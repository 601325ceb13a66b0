package dev.openaibeam.call;

import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ErrorCode;
import dev.openaibeam.budget.ShardBudgets;
import dev.openaibeam.cost.SpendSnapshot;
import dev.openaibeam.cost.SpendTracker;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.UUID;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.joda.time.Instant;

/**
 * Calls the OpenAI API for requests keyed by budget shard, inside that shard's share of the
 * budget.
 *
 * <p>The shard's budget lives in Beam state, so it follows the key wherever the runner moves it,
 * and is enforced here, where the calls are made (a separate pacing step could be un-fused from
 * the calls by the runner). Calls are asynchronous, at most {@code maxInFlight} per instance, made
 * by a {@link CallScheduler}; the DoFn thread blocks only when the in-flight limit or the budget
 * says so. This DoFn owns the state, the journal and the outputs: each outcome the scheduler hands
 * over is journaled (answers, at once) and emitted in its request's window with its timestamp,
 * after the element that shares them or in {@code @FinishBundle}, so bundles of any size are
 * correct.
 */
public class OpenAiCallFn extends DoFn<KV<String, ApiRequest>, ApiResponse> {
  private static final Counter REPLAYED =
      Metrics.counter(CallMetrics.NAMESPACE, CallMetrics.JOURNAL_REPLAYED);
  /** Where a request's outcome goes: its element's timestamp and window. */
  private record Origin(Instant timestamp, BoundedWindow window) {}

  /** An outcome waiting to be emitted. */
  private record Pending<T>(TupleTag<T> tag, T value, Origin origin) {}

  private final CallConfiguration configuration;
  // One per expanded transform: what instances on a worker share of the pool is kept per run.
  private final String runToken = UUID.randomUUID().toString();
  private final TupleTag<ApiResponse> responsesTag;
  private final TupleTag<ApiFailure> failuresTag;

  // Every budget group's buckets of this shard (one group for a single key).
  @StateId("budgets")
  private final StateSpec<ValueState<ShardBudgets.Snapshot>> budgetsSpec =
      StateSpecs.value(ShardBudgets.Coder.of());

  // The shard's dollar account under --maxCostUsd, kept like the budgets so it follows the key.
  @StateId("spend")
  private final StateSpec<ValueState<SpendSnapshot>> spendSpec =
      StateSpecs.value(SpendSnapshot.Coder.of());

  private transient PoolMembers members;
  private transient CallScheduler<Origin> scheduler;
  private transient JournalWriter journal;
  private transient @Nullable JournalReplay replay;
  private transient SpendTracker spend;
  private transient List<Pending<?>> pending;

  OpenAiCallFn(
      CallConfiguration configuration,
      TupleTag<ApiResponse> responsesTag,
      TupleTag<ApiFailure> failuresTag) {
    this.configuration = configuration;
    this.responsesTag = responsesTag;
    this.failuresTag = failuresTag;
  }

  @Setup
  public void setup() {
    // The keys are read here, on the worker, and live only in the members' clients.
    members = new PoolMembers(configuration, runToken, CallScheduler.connectionsFor(configuration));
    ResultJournal j = configuration.journal();
    journal = j == null ? null : new JournalWriter(j);
    replay = j == null || j.getReplayParser() == null ? null : JournalReplay.load(j, j.getReplayParser());
    spend = new SpendTracker(configuration.cost(), configuration.budgetShards());
    pending = new ArrayList<>();
    scheduler =
        new CallScheduler<>(
            configuration, runToken, members, new CallAdmission(configuration, spend), new CallMetrics(),
            new Outcomes());
  }

  @StartBundle
  public void startBundle() {
    scheduler.startBundle();
    spend.startBundle();
  }

  @ProcessElement
  public void processElement(
      @Element KV<String, ApiRequest> element,
      @Timestamp Instant timestamp,
      BoundedWindow window,
      @StateId("budgets") ValueState<ShardBudgets.Snapshot> budgetsState,
      @StateId("spend") ValueState<SpendSnapshot> spendState,
      MultiOutputReceiver out) {
    ApiResponse journaled = replay == null ? null : replay.answerFor(element.getValue());
    if (journaled != null) { // answered before this instance was restarted: not paid again
      REPLAYED.inc();
      out.get(responsesTag).outputWithTimestamp(journaled, timestamp);
      return;
    }
    String shardKey = element.getKey();
    ShardBudgets budgets = scheduler.budgets(shardKey, budgetsState::read);
    spend.load(shardKey, spendState::read); // reads state only under a cap
    scheduler.submit(shardKey, element.getValue(), new Origin(timestamp, window));
    budgetsState.write(budgets.snapshot(System.nanoTime(), System.currentTimeMillis()));
    if (spend.hasCap()) {
      spendState.write(spend.snapshot(shardKey));
    }
    emitSameOrigin(out, timestamp, window);
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    scheduler.drain();
    if (journal != null) {
      journal.roll();
    }
    for (Pending<?> p : pending) {
      emit(context, p);
    }
    pending.clear();
  }

  @Teardown
  public void teardown() {
    if (scheduler != null) {
      scheduler.keepAnswersInFlight(); // torn down mid-bundle (cancelled): journal what is paid
    }
    if (journal != null) {
      journal.close();
      journal = null;
    }
    if (members != null) {
      members.close();
      members = null;
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    OpenAiCall.describe(configuration, builder);
  }

  /** Outcomes as the scheduler knows them: journaled at once, emitted when Beam allows. */
  private final class Outcomes implements CallSink<Origin> {
    @Override
    public void answered(Origin origin, ApiResponse response) {
      if (journal != null) {
        journal.append(response); // durable before Beam's sinks, which finalize only at the end
      }
      pending.add(new Pending<>(responsesTag, response, origin));
    }

    @Override
    public void failed(Origin origin, ApiFailure failure) {
      pending.add(new Pending<>(failuresTag, failure, origin));
    }

    /**
     * With a result journal a held-back row is left unanswered, so a run with resume sends it;
     * without one nothing would ever name it, so it becomes a replayable failure.
     */
    @Override
    public void heldBack(Origin origin, ApiRequest request) {
      if (journal == null) {
        failed(origin, ApiFailure.notSent(request, ApiError.of(ErrorCode.COST_CAP_REACHED,
            "not sent: the cost cap (--maxCostUsd) was reached; replay this failure to send it")));
      }
    }
  }

  /** Emits the outcomes that share this element's window and timestamp; the rest wait. */
  private void emitSameOrigin(MultiOutputReceiver out, Instant timestamp, BoundedWindow window) {
    Iterator<Pending<?>> it = pending.iterator();
    while (it.hasNext()) {
      Pending<?> p = it.next();
      if (p.origin().window().equals(window) && p.origin().timestamp().equals(timestamp)) {
        emit(out, p);
        it.remove();
      }
    }
  }

  private static <T> void emit(MultiOutputReceiver out, Pending<T> p) {
    out.get(p.tag()).outputWithTimestamp(p.value(), p.origin().timestamp());
  }

  private static <T> void emit(FinishBundleContext context, Pending<T> p) {
    context.output(p.tag(), p.value(), p.origin().timestamp(), p.origin().window());
  }
}
