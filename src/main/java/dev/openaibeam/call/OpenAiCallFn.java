package dev.openaibeam.call;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.budget.ShardBudgets;
import dev.openaibeam.cost.SpendSnapshot;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;
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
 * after the element that shares them or in {@code @FinishBundle}, which waits for the bundle's
 * calls, so bundles of any size are correct. For unbounded input, where an answer should not wait
 * for its bundle's slowest call, {@link OpenAiCall} uses {@link StreamingCallFn} instead.
 */
public class OpenAiCallFn extends CallingFn {
  /** Where a request's outcome goes: its element's timestamp and window. */
  private record Origin(Instant timestamp, BoundedWindow window) {}

  /** An outcome waiting to be emitted. */
  private record Pending<T>(TupleTag<T> tag, T value, Origin origin) {}

  // Every budget group's buckets of this shard (one group for a single key).
  @StateId("budgets")
  private final StateSpec<ValueState<ShardBudgets.Snapshot>> budgetsSpec =
      StateSpecs.value(ShardBudgets.Coder.of());

  // The shard's dollar account under --maxCostUsd, kept like the budgets so it follows the key.
  @StateId("spend")
  private final StateSpec<ValueState<SpendSnapshot>> spendSpec =
      StateSpecs.value(SpendSnapshot.Coder.of());

  private transient CallingInstance<Origin> calling;
  private transient List<Pending<?>> pending;

  OpenAiCallFn(
      CallConfiguration configuration,
      TupleTag<ApiResponse> responsesTag,
      TupleTag<ApiFailure> failuresTag) {
    super(configuration, responsesTag, failuresTag);
  }

  @Setup
  public void setup() {
    pending = new ArrayList<>();
    calling =
        new CallingInstance<>(configuration, runToken, responsesTag, failuresTag,
            new CallingInstance.Outputs<>() {
              @Override
              public <T> void add(TupleTag<T> tag, T value, Origin origin) {
                pending.add(new Pending<>(tag, value, origin));
              }
            });
  }

  @StartBundle
  public void startBundle() {
    calling.startBundle();
  }

  @ProcessElement
  public void processElement(
      @Element KV<String, ApiRequest> element,
      @Timestamp Instant timestamp,
      BoundedWindow window,
      @StateId("budgets") ValueState<ShardBudgets.Snapshot> budgetsState,
      @StateId("spend") ValueState<SpendSnapshot> spendState,
      MultiOutputReceiver out) {
    ApiResponse journaled = calling.journaled(element.getValue());
    if (journaled != null) { // answered before this instance was restarted: not paid again
      out.get(responsesTag).outputWithTimestamp(journaled, timestamp);
      return;
    }
    calling.submit(
        element.getKey(), element.getValue(), new Origin(timestamp, window), budgetsState, spendState);
    emitSameOrigin(out, timestamp, window);
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    calling.scheduler().drain();
    calling.rollJournal();
    for (Pending<?> p : pending) {
      emit(context, p);
    }
    pending.clear();
  }

  @Teardown
  public void teardown() {
    if (calling != null) {
      calling.close();
      calling = null;
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
