package dev.openaibeam.call;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.budget.ShardBudgets;
import dev.openaibeam.call.WorkerCalls.KeyWindow;
import dev.openaibeam.call.WorkerCalls.Origin;
import dev.openaibeam.call.WorkerCalls.Ready;
import dev.openaibeam.cost.SpendSnapshot;
import java.util.Map;
import java.util.UUID;
import org.apache.beam.sdk.coders.InstantCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.state.MapState;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.TimeDomain;
import org.apache.beam.sdk.state.Timer;
import org.apache.beam.sdk.state.TimerSpec;
import org.apache.beam.sdk.state.TimerSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TimestampedValue;
import org.apache.beam.sdk.values.TupleTag;
import org.joda.time.Duration;
import org.joda.time.Instant;

/**
 * {@link OpenAiCallFn} for unbounded input: each outcome is emitted within a few milliseconds of
 * its answer, from a processing-time timer, instead of at the end of its bundle (where it would
 * wait for the bundle's slowest call, and the next bundle's calls for all of them).
 *
 * <p>A request stays in keyed state from its element until its outcome is emitted, so a
 * checkpoint taken while it is in flight holds it: after a restore the instance that gets the key
 * sends it again (or replays its journaled answer), and no request is lost with a worker. The
 * timers' output timestamp is the earliest open request's, so the watermark waits for it; an
 * event-time timer at the window's end waits for every open call before the window closes (a
 * drained or finished stream emits everything).
 */
public class StreamingCallFn extends CallingFn {
  // How often a key with calls out looks for their answers: the most an answer waits here.
  private static final Duration POLL = Duration.millis(2);

  // Every budget group's buckets of this shard (one group for a single key).
  @StateId("budgets")
  private final StateSpec<ValueState<ShardBudgets.Snapshot>> budgetsSpec =
      StateSpecs.value(ShardBudgets.Coder.of());

  // The shard's dollar account under --maxCostUsd, kept like the budgets so it follows the key.
  @StateId("spend")
  private final StateSpec<ValueState<SpendSnapshot>> spendSpec =
      StateSpecs.value(SpendSnapshot.Coder.of());

  // The requests taken and not yet emitted, by slot: what a restored instance sends again.
  @StateId("open")
  private final StateSpec<MapState<String, TimestampedValue<ApiRequest>>> openSpec =
      StateSpecs.map(StringUtf8Coder.of(), TimestampedValue.TimestampedValueCoder.of(ApiRequest.Coder.of()));

  // The timers' output timestamp: the earliest open request's.
  @StateId("hold")
  private final StateSpec<ValueState<Instant>> holdSpec = StateSpecs.value(InstantCoder.of());

  // The worker calls that took the key's open requests (WorkerCalls.id): another means adopt them.
  @StateId("owner")
  private final StateSpec<ValueState<String>> ownerSpec = StateSpecs.value(StringUtf8Coder.of());

  @TimerId("poll")
  private final TimerSpec pollSpec = TimerSpecs.timer(TimeDomain.PROCESSING_TIME);

  @TimerId("windowEnd")
  private final TimerSpec windowEndSpec = TimerSpecs.timer(TimeDomain.EVENT_TIME);

  private transient WorkerCalls worker;

  StreamingCallFn(
      CallConfiguration configuration,
      TupleTag<ApiResponse> responsesTag,
      TupleTag<ApiFailure> failuresTag) {
    super(configuration, responsesTag, failuresTag);
  }

  @Setup
  public void setup() {
    worker = WorkerCalls.acquire(configuration, runToken, responsesTag, failuresTag);
  }

  @StartBundle
  public void startBundle() {
    synchronized (worker) {
      worker.calling.startBundle();
    }
  }

  @ProcessElement
  public void processElement(
      @Element KV<String, ApiRequest> element,
      @Timestamp Instant timestamp,
      BoundedWindow window,
      @StateId("budgets") ValueState<ShardBudgets.Snapshot> budgets,
      @StateId("spend") ValueState<SpendSnapshot> spend,
      @StateId("open") MapState<String, TimestampedValue<ApiRequest>> open,
      @StateId("hold") ValueState<Instant> hold,
      @StateId("owner") ValueState<String> owner,
      @TimerId("poll") Timer poll,
      @TimerId("windowEnd") Timer windowEnd,
      MultiOutputReceiver out) {
    KeyState k = new KeyState(
        new KeyWindow(element.getKey(), window), budgets, spend, open, hold, owner, poll, windowEnd);
    synchronized (worker) {
      ApiResponse journaled = worker.calling.journaled(element.getValue());
      if (journaled != null) { // answered before this instance was restarted: not paid again
        out.get(responsesTag).outputWithTimestamp(journaled, timestamp);
        return;
      }
      adoptIfMoved(k, out);
      Origin origin = new Origin(element.getKey(), window, UUID.randomUUID().toString(), timestamp);
      open.put(origin.slot(), TimestampedValue.of(element.getValue(), timestamp));
      worker.slots(k.kw()).open(origin.slot(), timestamp);
      Instant held = hold.read();
      if (held == null || timestamp.isBefore(held)) {
        k.arm(timestamp);
      }
      worker.calling.submit(element.getKey(), element.getValue(), origin, budgets, spend);
    }
  }

  @OnTimer("poll")
  public void onPoll(
      @Key String key,
      BoundedWindow window,
      @StateId("budgets") ValueState<ShardBudgets.Snapshot> budgets,
      @StateId("spend") ValueState<SpendSnapshot> spend,
      @StateId("open") MapState<String, TimestampedValue<ApiRequest>> open,
      @StateId("hold") ValueState<Instant> hold,
      @StateId("owner") ValueState<String> owner,
      @TimerId("poll") Timer poll,
      @TimerId("windowEnd") Timer windowEnd,
      MultiOutputReceiver out) {
    fired(new KeyState(new KeyWindow(key, window), budgets, spend, open, hold, owner, poll, windowEnd),
        false, out);
  }

  @OnTimer("windowEnd")
  public void onWindowEnd(
      @Key String key,
      BoundedWindow window,
      @StateId("budgets") ValueState<ShardBudgets.Snapshot> budgets,
      @StateId("spend") ValueState<SpendSnapshot> spend,
      @StateId("open") MapState<String, TimestampedValue<ApiRequest>> open,
      @StateId("hold") ValueState<Instant> hold,
      @StateId("owner") ValueState<String> owner,
      @TimerId("poll") Timer poll,
      @TimerId("windowEnd") Timer windowEnd,
      MultiOutputReceiver out) {
    fired(new KeyState(new KeyWindow(key, window), budgets, spend, open, hold, owner, poll, windowEnd),
        true, out);
  }

  /** A timer of the key: emit what is answered; at the window's end, once all of it is. */
  private void fired(KeyState k, boolean windowEnds, MultiOutputReceiver out) {
    synchronized (worker) {
      adoptIfMoved(k, out);
      if (windowEnds) {
        worker.calling.scheduler().drain(); // the window closes: its open calls are answered first
      } else {
        worker.calling.scheduler().collect();
      }
      emitReady(k, out);
      if (windowEnds) {
        worker.forget(k.kw());
      }
    }
  }

  @Teardown
  public void teardown() {
    if (worker != null) {
      worker.release();
      worker = null;
    }
  }

  /** One key and window's state and timers, as a method of the DoFn was given them. */
  private record KeyState(
      KeyWindow kw,
      ValueState<ShardBudgets.Snapshot> budgets,
      ValueState<SpendSnapshot> spend,
      MapState<String, TimestampedValue<ApiRequest>> open,
      ValueState<Instant> hold,
      ValueState<String> owner,
      Timer poll,
      Timer windowEnd) {

    /** Polls soon, and holds the watermark (and the window) at {@code earliest} until then. */
    void arm(Instant earliest) {
      hold.write(earliest);
      poll.withOutputTimestamp(earliest).offset(POLL).setRelative();
      windowEnd.withOutputTimestamp(earliest).set(kw.window().maxTimestamp());
    }

    void disarm() {
      hold.clear();
      poll.clear();
      windowEnd.clear();
    }
  }

  /** Requests in state taken by other worker calls (another worker, or before a restore). */
  private void adoptIfMoved(KeyState k, MultiOutputReceiver out) {
    if (!worker.id.equals(k.owner().read())) {
      k.owner().write(worker.id);
      adopt(k, out);
    }
  }

  /**
   * The requests state holds that this worker's calls never took are its own now: a journaled
   * answer is emitted, the rest are sent.
   */
  private void adopt(KeyState k, MultiOutputReceiver out) {
    OpenSlots<Ready<?>> slots = worker.slots(k.kw());
    for (Map.Entry<String, TimestampedValue<ApiRequest>> e : k.open().entries().read()) {
      if (slots.isOpen(e.getKey())) {
        continue;
      }
      ApiRequest request = e.getValue().getValue();
      Instant timestamp = e.getValue().getTimestamp();
      ApiResponse journaled = worker.calling.journaled(request);
      if (journaled != null) {
        out.get(responsesTag).outputWithTimestamp(journaled, timestamp);
        k.open().remove(e.getKey());
        continue;
      }
      Origin origin = new Origin(k.kw().key(), k.kw().window(), e.getKey(), timestamp);
      slots.open(origin.slot(), timestamp);
      worker.calling.submit(k.kw().key(), request, origin, k.budgets(), k.spend());
    }
  }

  /** Emits the key's ready outcomes, then re-arms its timers while any of its calls is open. */
  private void emitReady(KeyState k, MultiOutputReceiver out) {
    OpenSlots<Ready<?>> slots = worker.slots(k.kw());
    for (Ready<?> r : slots.takeReady()) {
      if (r.tag() != null) {
        emit(out, r);
      }
      k.open().remove(r.origin().slot());
      slots.close(r.origin().slot());
    }
    if (slots.isEmpty() && !k.open().isEmpty().read()) {
      // Left in state by this worker's earlier life (emitted after the checkpoint it restored).
      adopt(k, out);
    }
    Instant earliest = slots.earliest();
    if (earliest == null) {
      k.disarm();
    } else {
      k.arm(earliest);
    }
  }

  private static <T> void emit(MultiOutputReceiver out, Ready<T> r) {
    out.get(r.tag()).outputWithTimestamp(r.value(), r.origin().timestamp());
  }
}
