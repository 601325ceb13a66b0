package dev.openaibeam.call;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.budget.PacerSnapshot;
import dev.openaibeam.budget.ShardPacer;
import dev.openaibeam.cost.SpendSnapshot;
import dev.openaibeam.cost.SpendTracker;
import dev.openaibeam.cost.Usd;
import dev.openaibeam.http.OpenAiHttpClient;
import dev.openaibeam.tokens.TokenEstimate;
import java.io.IOException;
import java.util.Iterator;
import java.util.Optional;
import org.apache.beam.sdk.state.StateSpec;
import org.apache.beam.sdk.state.StateSpecs;
import org.apache.beam.sdk.state.ValueState;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.display.DisplayData;
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
 * the calls by the runner). Calls are asynchronous, at most {@code maxInFlight} per instance; the
 * DoFn thread blocks only when the in-flight limit or the budget says so, and it emits every answer
 * itself, draining in {@code @FinishBundle}, so bundles of any size are correct. This is the one
 * retry layer: retryable errors wait the service's {@code retry-after} or an exponential backoff
 * with jitter; the hopeless fail at once.
 */
public class OpenAiCallFn extends DoFn<KV<String, ApiRequest>, ApiResponse> {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final CallSettings settings;
  private final TupleTag<ApiResponse> responsesTag;
  private final TupleTag<ApiFailure> failuresTag;

  @StateId("pacer")
  private final StateSpec<ValueState<PacerSnapshot>> pacerSpec =
      StateSpecs.value(PacerSnapshot.Coder.of());

  // The shard's dollar account under --maxCostUsd, kept like the pacer so it follows the key.
  @StateId("spend")
  private final StateSpec<ValueState<SpendSnapshot>> spendSpec =
      StateSpecs.value(SpendSnapshot.Coder.of());

  private transient OpenAiHttpClient client;
  private transient CallScheduler scheduler;
  private transient CallMetrics metrics;
  private transient JournalWriter journal;
  private transient SpendTracker spend;
  private transient boolean needsBody;

  OpenAiCallFn(
      CallSettings settings, TupleTag<ApiResponse> responsesTag, TupleTag<ApiFailure> failuresTag) {
    this.settings = settings;
    this.responsesTag = responsesTag;
    this.failuresTag = failuresTag;
  }

  @Setup
  public void setup() {
    // The key is read here, on the worker, and lives only in this client.
    String key = settings.keySource().resolve();
    client = OpenAiHttpClient.create(settings.http(), key, settings.maxInFlight());
    metrics = new CallMetrics();
    journal = settings.journal() == null ? null : new JournalWriter(settings.journal());
    spend = new SpendTracker(settings.cost(), settings.budgetShards());
    needsBody =
        settings.budget().getTokensPerMinute() > 0
            || spend.hasCap()
            || settings.http().getApiStyle() == dev.openaibeam.http.ApiStyle.AZURE;
    scheduler =
        new CallScheduler(settings, client, metrics, responsesTag, failuresTag, journal, spend);
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
      @StateId("pacer") ValueState<PacerSnapshot> pacerState,
      @StateId("spend") ValueState<SpendSnapshot> spendState,
      MultiOutputReceiver out) {
    String shardKey = element.getKey();
    ApiRequest request = element.getValue();
    ShardPacer pacer = scheduler.pacer(shardKey, pacerState::read);
    spend.load(shardKey, spendState::read); // reads state only under a cap

    if (!needsBody) {
      // No token budget, no cost cap, no deployment URL: nothing needs the body parsed or its
      // tokens counted (a third of this stage's CPU at high rates); answers are priced by the
      // response's model.
      scheduler.submit(new PendingCall(shardKey, request, "", 0, 0, timestamp, window));
    } else {
      parseEstimateAndSubmit(shardKey, request, timestamp, window);
    }
    pacerState.write(pacer.snapshot(System.nanoTime(), System.currentTimeMillis()));
    if (spend.hasCap()) {
      spendState.write(spend.snapshot(shardKey));
    }
    emitSameWindow(out, timestamp, window);
  }

  private void parseEstimateAndSubmit(
      String shardKey, ApiRequest request, Instant timestamp, BoundedWindow window) {
    JsonNode body;
    try {
      body = JSON.readTree(request.getBody());
    } catch (IOException e) {
      body = null;
    }
    String model = body == null ? "" : body.path("model").asText("");
    if (body == null || !body.isObject()) {
      scheduler.rejectBeforeSending(
          new PendingCall(shardKey, request, model, 0, 0, timestamp, window),
          ApiError.of(null, "invalid_input", "invalid_json", "request body is not a JSON object", null));
    } else {
      TokenEstimate estimate = settings.tokenEstimator().estimate(request.getEndpoint(), body);
      PendingCall call =
          new PendingCall(
              shardKey, request, model, estimate.total(), estimate.promptTokens(), timestamp, window);
      long tpm = settings.budget().getTokensPerMinute();
      if (tpm > 0 && estimate.total() > tpm) {
        scheduler.rejectBeforeSending(
            call,
            ApiError.of(
                null,
                "invalid_input",
                "request_too_large",
                "request needs about " + estimate.total() + " tokens (prompt "
                    + estimate.promptTokens() + " + reserved completion "
                    + estimate.completionTokens() + "), more than the whole budget of " + tpm
                    + " tokens per minute; it can never be sent",
                null));
      } else if (spend.hasCap()) {
        submitWithinCap(call, estimate);
      } else {
        scheduler.submit(call);
      }
    }
  }

  /**
   * Under a cost cap: reserve the call's worst case, then send it. A row that does not fit is
   * neither sent nor failed: it has no answer in the journal, so a run with resume sends it.
   */
  private void submitWithinCap(PendingCall call, TokenEstimate estimate) {
    Optional<Long> worstCase = spend.reservationFor(call.model, estimate);
    if (worstCase.isEmpty()) {
      scheduler.rejectBeforeSending(
          call,
          ApiError.of(
              null,
              "invalid_input",
              "unpriced_model",
              "model '" + call.model + "' has no price, so a call could break the cost cap; add it"
                  + " to the price file (--priceFile) or run without --maxCostUsd",
              null));
    } else if (spend.exceedsShardCap(worstCase.get())) {
      // Like a request over the whole TPM budget: this row can never fit, the others still can.
      scheduler.rejectBeforeSending(
          call,
          ApiError.of(
              null,
              "invalid_input",
              "cost_too_large",
              "request could cost up to $" + Usd.format(worstCase.get()) + " (prompt estimate +"
                  + " margin and n x max tokens), more than a budget shard's share of the cost cap;"
                  + " lower its max tokens, raise --maxCostUsd or use fewer --budgetShards",
              null));
    } else if (spend.capped(call.shardKey)) {
      holdBack(call);
    } else if (scheduler.reserveCost(call, worstCase.get())) {
      scheduler.submit(call);
    } else {
      spend.stop(call.shardKey);
      holdBack(call);
    }
  }

  /**
   * A row the cap keeps from being sent. With a result journal it is left unanswered, so a run with
   * resume sends it; without one nothing would ever name it, so it becomes a replayable failure.
   */
  private void holdBack(PendingCall call) {
    spend.notSent();
    if (journal == null) {
      scheduler.rejectBeforeSending(
          call,
          ApiError.of(null, "cost_cap", "cost_cap_reached",
              "not sent: the cost cap (--maxCostUsd) was reached; replay this failure to send it",
              null));
    }
  }

  @FinishBundle
  public void finishBundle(FinishBundleContext context) {
    scheduler.drain();
    if (journal != null) {
      journal.roll();
    }
    for (CallScheduler.Output o : scheduler.outputs()) {
      emitTo(context, o);
    }
    scheduler.outputs().clear();
  }

  @Teardown
  public void teardown() {
    if (journal != null) {
      journal.close();
      journal = null;
    }
    if (client != null) {
      client.close();
      client = null;
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    OpenAiCall.describe(settings, builder);
  }

  /** Emits the answers that share this element's window and timestamp; the rest wait. */
  @SuppressWarnings("unchecked")
  private void emitSameWindow(MultiOutputReceiver out, Instant timestamp, BoundedWindow window) {
    Iterator<CallScheduler.Output> it = scheduler.outputs().iterator();
    while (it.hasNext()) {
      CallScheduler.Output o = it.next();
      if (o.window.equals(window) && o.timestamp.equals(timestamp)) {
        out.get((TupleTag<Object>) o.tag).outputWithTimestamp(o.value, o.timestamp);
        it.remove();
      }
    }
  }

  @SuppressWarnings("unchecked")
  private static void emitTo(FinishBundleContext context, CallScheduler.Output o) {
    context.output((TupleTag<Object>) o.tag, o.value, o.timestamp, o.window);
  }
}
