package dev.openaibeam.call;

import com.google.common.base.Preconditions;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.budget.BudgetKeys;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.cost.PriceTable;
import dev.openaibeam.pool.KeyPool;
import dev.openaibeam.store.BudgetStore;
import dev.openaibeam.transport.Backoff;
import java.time.Duration;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Sends each {@link ApiRequest} to the OpenAI API (or any OpenAI-compatible server) and returns
 * the answers and the failures, staying inside one requests-per-minute and tokens-per-minute
 * budget shared by all workers.
 *
 * <p>Example:
 *
 * <pre>{@code
 * OpenAiConnection openAi =
 *     OpenAiConnection.openAi().withApiKey(ApiKeySource.fromEnv("OPENAI_API_KEY"));
 * PCollection<ApiRequest> requests = ...;
 * ApiResult result = requests.apply(
 *     OpenAiCall.of(openAi)
 *         .withRequestsPerMinute(5_000)
 *         .withTokensPerMinute(2_000_000)
 *         .withMaxAttempts(5));
 * PCollection<ApiResponse> answers = result.getResponses();
 * PCollection<ApiFailure> failures = result.getFailures();
 * }</pre>
 *
 * <p>How the budget is shared: requests are keyed by budget (the connection's payer and the model
 * group) and by shard; a stateful {@link OpenAiCallFn} per key holds that shard's share (budget /
 * shards) in Beam state and paces the calls it makes itself. The shares add up to the whole budget
 * however many workers the runner uses. See {@code docs/budget.md}.
 *
 * <p>The API key is read on the workers at run time from the connection's key source; it never
 * enters the pipeline graph, display data, outputs or logs.
 */
public final class OpenAiCall extends PTransform<PCollection<ApiRequest>, ApiResult> {
  private final CallConfiguration configuration;

  private OpenAiCall(CallConfiguration configuration) {
    this.configuration = configuration;
  }

  /** Calls through {@code connection}, its limits learned from the service until some are set. */
  public static OpenAiCall of(OpenAiConnection connection) {
    return of(KeyPool.single(Preconditions.checkNotNull(connection, "connection")));
  }

  /**
   * Calls through a pool of keys, accounts or deployments, each call to a member that serves its
   * model and has the most of its budget left (see {@link KeyPool}). The members' limits are their
   * own: the call's {@code withRequestsPerMinute}/{@code withTokensPerMinute} are for a single
   * connection.
   */
  public static OpenAiCall of(KeyPool pool) {
    return new OpenAiCall(CallConfiguration.of(Preconditions.checkNotNull(pool, "pool")));
  }

  private OpenAiCall with(CallConfiguration.Builder b) {
    return new OpenAiCall(b.build());
  }

  /**
   * Other keys, accounts or deployments (see {@link #of(KeyPool)}; {@code KeyPool.single(connection)}
   * for another single connection), the rest unchanged.
   */
  public OpenAiCall withKeyPool(KeyPool pool) {
    return with(configuration.toBuilder().setPool(Preconditions.checkNotNull(pool)));
  }

  /** Attempts per request, the first included (default 5). */
  public OpenAiCall withMaxAttempts(int maxAttempts) {
    Preconditions.checkArgument(maxAttempts >= 1, "maxAttempts must be >= 1");
    return with(configuration.toBuilder().setMaxAttempts(maxAttempts));
  }

  /** The waits between attempts (default {@link Backoff#standard()}). */
  public OpenAiCall withBackoff(Backoff backoff) {
    return with(configuration.toBuilder().setBackoff(Preconditions.checkNotNull(backoff)));
  }

  /**
   * Calls in flight per worker instance, fixed. By default the limit is sized from the budget's
   * rate and the latency seen (Little's law: 60 s calls at 10,000 RPM need 10,000 in flight), at
   * least 1,024 and at most what the heap holds.
   */
  public OpenAiCall withMaxInFlight(int maxInFlight) {
    Preconditions.checkArgument(maxInFlight >= 1, "maxInFlight must be >= 1");
    return with(configuration.toBuilder().setMaxInFlight(maxInFlight));
  }

  /**
   * How long a row may go on being retried after its first attempt (default 1 h). A 429
   * rate_limit_exceeded uses up none of a row's attempts (it is the budget's signal, not the row's
   * failure), so this is what bounds a row's wait behind 429s; past it the row fails with its last
   * error, replayable as input.
   */
  public OpenAiCall withRowDeadline(Duration deadline) {
    Preconditions.checkArgument(!deadline.isNegative() && !deadline.isZero(), "row deadline must be > 0");
    return with(configuration.toBuilder().setRowDeadline(deadline));
  }

  /**
   * The whole budget (all workers together); 0 (default) = learn it from the service's {@code
   * x-ratelimit-limit-requests}, or from its 429s when it reports none. A given limit stays an upper
   * bound: a lower one the service reports wins.
   */
  public OpenAiCall withRequestsPerMinute(long rpm) {
    return with(configuration.toBuilder().setBudget(configuration.budget().withRequestsPerMinute(rpm)));
  }

  /**
   * The whole budget (all workers together); 0 (default) = learn it from the service's {@code
   * x-ratelimit-limit-tokens}. A given limit stays an upper bound.
   */
  public OpenAiCall withTokensPerMinute(long tpm) {
    return with(configuration.toBuilder().setBudget(configuration.budget().withTokensPerMinute(tpm)));
  }

  /**
   * The window over which the service enforces the per-minute limits (default 1 s, OpenAI's
   * quantization): how much may be sent in one burst.
   */
  public OpenAiCall withRateLimitWindow(Duration window) {
    return with(configuration.toBuilder()
        .setBudget(configuration.budget().withWindowSeconds(window.toMillis() / 1000.0)));
  }

  /** Fraction of the limits to aim for (default 0.99), room for jitter and clock skew. */
  public OpenAiCall withHeadroom(double fraction) {
    return with(configuration.toBuilder().setBudget(configuration.budget().withHeadroom(fraction)));
  }

  /**
   * How much later than sent calls may reach the service, bunched up (default 50 ms): the burst
   * is trimmed by what this much time refills.
   */
  public OpenAiCall withJitterAllowance(Duration jitter) {
    return with(configuration.toBuilder()
        .setBudget(configuration.budget().withJitterSeconds(jitter.toMillis() / 1000.0)));
  }

  /** Keys the budget is split over; 1 (default) lets one worker make all calls of a budget. */
  public OpenAiCall withBudgetShards(int shards) {
    Preconditions.checkArgument(shards >= 1, "budgetShards must be >= 1");
    return with(configuration.toBuilder().setBudgetShards(shards));
  }

  /** Names the model group, so that budgets of other groups on the same key are separate. */
  public OpenAiCall withModelGroup(String group) {
    return with(configuration.toBuilder().setModelGroup(Preconditions.checkNotNull(group)));
  }

  /** Tokenizer for every model (e.g. {@code o200k_base}) instead of the model family's. */
  public OpenAiCall withTokenEncoding(String encodingName) {
    return with(configuration.toBuilder()
        .setTokenEstimator(configuration.tokenEstimator().withEncoding(encodingName)));
  }

  /** Completion tokens reserved for a request that sets no maximum. */
  public OpenAiCall withDefaultMaxTokens(int tokens) {
    return with(configuration.toBuilder()
        .setTokenEstimator(configuration.tokenEstimator().withDefaultMaxTokens(tokens)));
  }

  /**
   * Whether an invalid key (401) or exhausted quota stops the run (default true) rather than
   * failing each remaining row.
   */
  public OpenAiCall withStopOnHopelessErrors(boolean stop) {
    return with(configuration.toBuilder().setStopOnHopelessErrors(stop));
  }

  /**
   * Records every answer in {@code journal} as it arrives, so a crashed run can be resumed without
   * paying again for the rows that finished.
   */
  public OpenAiCall withJournal(@Nullable ResultJournal journal) {
    return with(configuration.toBuilder().setJournal(journal));
  }

  /**
   * Prices answers with this table (default: the bundled {@link PriceTable#bundled()}); the
   * spend is published as the {@code openai:cost_nano_usd} counters.
   */
  public OpenAiCall withPriceTable(PriceTable prices) {
    return with(configuration.toBuilder().setCost(configuration.cost().withPrices(prices)));
  }

  /**
   * Stops sending before the answers' cost (from their usage, at the price table's prices) could
   * exceed {@code usd}, for all workers together (0 = no cap). Each call reserves its worst case
   * (prompt + n x max completion tokens) while in flight; the cap is split over the budget shards
   * and kept in Beam state like the rate budget. Rows held back are neither answered nor failed
   * (counter {@code openai:rows_not_sent_cost_cap}); with a result journal they stay resumable.
   * Requests of a model without a price fail with {@code unpriced_model} under a cap.
   */
  public OpenAiCall withMaxCostUsd(double usd) {
    Preconditions.checkArgument(usd >= 0, "maxCostUsd must be >= 0");
    return with(configuration.toBuilder().setCost(configuration.cost().withMaxCostUsd(usd)));
  }

  /**
   * Holds the budgets in a budget store shared by every job on the account (see {@link
   * BudgetStore}): jobs that name the same budget stay inside one limit together, split by weight
   * while they all want more; null (default) keeps the budget in this pipeline's state only.
   */
  public OpenAiCall withBudgetStore(@Nullable BudgetStore store) {
    return with(configuration.toBuilder().setBudgetStore(store));
  }

  CallConfiguration configuration() {
    return configuration;
  }

  public KeyPool getKeyPool() {
    return configuration.pool();
  }

  /** Whether answers are recorded in a result journal ({@link #withJournal}). */
  public boolean hasJournal() {
    return configuration.journal() != null;
  }

  @Override
  public void validate(@Nullable PipelineOptions options) {
    super.validate(options);
    check();
  }

  private void check() {
    configuration.pool().validate();
    Preconditions.checkArgument(
        configuration.pool().isSingle()
            || (configuration.budget().getRequestsPerMinute() == 0
                && configuration.budget().getTokensPerMinute() == 0),
        "a key pool's limits are its members' own (rpm, tpm in the keys file): the call's"
            + " requests/tokens per minute are for a single connection");
  }

  @Override
  public ApiResult expand(PCollection<ApiRequest> input) {
    check();
    TupleTag<ApiResponse> responses = new TupleTag<ApiResponse>() {};
    TupleTag<ApiFailure> failures = new TupleTag<ApiFailure>() {};
    PCollectionTuple out =
        input
            .apply("KeyByBudgetShard",
                ParDo.of(new KeyByShardFn(configuration.budgetId(), configuration.budgetShards())))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ApiRequest.Coder.of()))
            .apply(
                "CallApi",
                ParDo.of(callFn(input.isBounded(), responses, failures))
                    .withOutputTags(responses, TupleTagList.of(failures)));
    return ApiResult.of(responses, failures, out);
  }

  /**
   * Bounded input emits each bundle's outcomes when its calls are done; unbounded input emits each
   * as it is answered, from keyed state and timers, so an answer never waits for other calls.
   */
  private DoFn<KV<String, ApiRequest>, ApiResponse> callFn(
      PCollection.IsBounded bounded, TupleTag<ApiResponse> responses, TupleTag<ApiFailure> failures) {
    return bounded == PCollection.IsBounded.BOUNDED
        ? new OpenAiCallFn(configuration, responses, failures)
        : new StreamingCallFn(configuration, responses, failures);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    describe(configuration, builder);
  }

  static void describe(CallConfiguration c, DisplayData.Builder builder) {
    c.pool().populateDisplayData(builder);
    builder
        .add(DisplayData.item("requestsPerMinute", c.budget().getRequestsPerMinute()))
        .add(DisplayData.item("tokensPerMinute", c.budget().getTokensPerMinute()))
        .add(DisplayData.item("rateLimitWindowSeconds", c.budget().getWindowSeconds()))
        .add(DisplayData.item("headroom", c.budget().getHeadroom()))
        .add(DisplayData.item("jitterAllowanceSeconds", c.budget().getJitterSeconds()))
        .add(DisplayData.item("budgetShards", c.budgetShards()))
        .add(DisplayData.item("maxAttempts", c.maxAttempts()))
        .add(DisplayData.item("maxInFlight", c.maxInFlight()).withLabel("Calls in flight (0 = sized)"))
        .add(DisplayData.item("rowDeadline", c.rowDeadline().toString()))
        .add(DisplayData.item("pricedModels", c.cost().prices().prices().size())
            .withLabel("Models in the price table"))
        .add(DisplayData.item("maxCostUsd", c.cost().maxCostUsd()).withLabel("Cost cap (USD, 0 = none)"));
    if (c.budgetStore() != null) {
      c.budgetStore().populateDisplayData(builder);
    }
  }

  /** Keys each request by its budget shard; the shard comes from the id, so it is stable. */
  static final class KeyByShardFn extends DoFn<ApiRequest, KV<String, ApiRequest>> {
    private final String budgetId;
    private final int shards;

    KeyByShardFn(String budgetId, int shards) {
      this.budgetId = budgetId;
      this.shards = shards;
    }

    @ProcessElement
    public void process(@Element ApiRequest r, OutputReceiver<KV<String, ApiRequest>> out) {
      LocalProgress.rowKeyed();
      out.output(KV.of(BudgetKeys.shardKey(budgetId, BudgetKeys.shardOf(r.getId(), shards)), r));
    }
  }
}
