package dev.openaibeam.call;

import com.google.common.base.Preconditions;
import dev.openaibeam.budget.BudgetKeys;
import dev.openaibeam.cost.PriceTable;
import dev.openaibeam.http.ApiKeySource;
import dev.openaibeam.http.ApiStyle;
import dev.openaibeam.http.HttpSettings;
import dev.openaibeam.http.RetryPolicy;
import dev.openaibeam.tokens.TokenEstimator;
import java.time.Duration;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
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

/**
 * Sends each {@link ApiRequest} to the OpenAI API (or any OpenAI-compatible server) and returns
 * the answers and the failures, staying inside one requests-per-minute and tokens-per-minute
 * budget shared by all workers.
 *
 * <p>Example:
 *
 * <pre>{@code
 * PCollection<ApiRequest> requests = ...;
 * OpenAiCall.Result result = requests.apply(
 *     OpenAiCall.create()
 *         .withApiKey(ApiKeySource.fromEnv("OPENAI_API_KEY"))
 *         .withRequestsPerMinute(5_000)
 *         .withTokensPerMinute(2_000_000)
 *         .withMaxAttempts(5));
 * PCollection<ApiResponse> answers = result.getResponses();
 * PCollection<ApiFailure> failures = result.getFailures();
 * }</pre>
 *
 * <p>How the budget is shared: requests are keyed by budget (base URL, key source and model group)
 * and by shard; a stateful {@link OpenAiCallFn} per key holds that shard's share (budget / shards)
 * in Beam state and paces the calls it makes itself. The shares add up to the whole budget however
 * many workers the runner uses. See {@code docs/budget.md}.
 *
 * <p>The API key is read on the workers at run time from the {@link ApiKeySource} (an environment
 * variable or a file); it never enters the pipeline graph, display data, outputs or logs.
 */
public final class OpenAiCall extends PTransform<PCollection<ApiRequest>, OpenAiCall.Result> {
  private final CallSettings settings;

  private OpenAiCall(CallSettings settings) {
    this.settings = settings;
  }

  /** Calls https://api.openai.com/v1 with the key in {@code OPENAI_API_KEY}, no budget set. */
  public static OpenAiCall create() {
    return new OpenAiCall(CallSettings.defaults());
  }

  /** Any OpenAI-compatible base URL, e.g. {@code http://localhost:8000/v1} for vLLM. */
  public OpenAiCall withBaseUrl(String baseUrl) {
    HttpSettings old = settings.http();
    HttpSettings http =
        HttpSettings.of(baseUrl)
            .withApiStyle(old.getApiStyle())
            .withAzureApiVersion(old.getAzureApiVersion())
            .withConnectTimeout(old.getConnectTimeout())
            .withRequestTimeout(old.getRequestTimeout());
    for (Map.Entry<String, String> h : old.getHeaders().entrySet()) {
      http = http.withHeader(h.getKey(), h.getValue());
    }
    return new OpenAiCall(settings.withHttp(http));
  }

  /**
   * Azure OpenAI: {@code api-key} header and deployment URLs; the request's {@code model} names
   * the deployment.
   */
  public OpenAiCall withAzure(String apiVersion) {
    return new OpenAiCall(
        settings.withHttp(
            settings.http().withApiStyle(ApiStyle.AZURE).withAzureApiVersion(apiVersion)));
  }

  public OpenAiCall withApiKey(ApiKeySource source) {
    return new OpenAiCall(settings.withKeySource(source));
  }

  public OpenAiCall withHeader(String name, String value) {
    return new OpenAiCall(settings.withHttp(settings.http().withHeader(name, value)));
  }

  public OpenAiCall withMaxAttempts(int maxAttempts) {
    Preconditions.checkArgument(maxAttempts >= 1, "maxAttempts must be >= 1");
    return new OpenAiCall(settings.withRetryPolicy(RetryPolicy.of(maxAttempts)));
  }

  public OpenAiCall withRetryPolicy(RetryPolicy policy) {
    return new OpenAiCall(settings.withRetryPolicy(policy));
  }

  public OpenAiCall withRequestTimeout(Duration timeout) {
    return new OpenAiCall(settings.withHttp(settings.http().withRequestTimeout(timeout)));
  }

  public OpenAiCall withConnectTimeout(Duration timeout) {
    return new OpenAiCall(settings.withHttp(settings.http().withConnectTimeout(timeout)));
  }

  /** Calls in flight per worker instance (default 1024). */
  public OpenAiCall withMaxInFlight(int maxInFlight) {
    Preconditions.checkArgument(maxInFlight >= 1, "maxInFlight must be >= 1");
    return new OpenAiCall(settings.withMaxInFlight(maxInFlight));
  }

  /** The whole budget (all workers together); 0 = no limit. */
  public OpenAiCall withRequestsPerMinute(long rpm) {
    return new OpenAiCall(settings.withBudget(settings.budget().withRequestsPerMinute(rpm)));
  }

  /** The whole budget (all workers together); 0 = no limit. */
  public OpenAiCall withTokensPerMinute(long tpm) {
    return new OpenAiCall(settings.withBudget(settings.budget().withTokensPerMinute(tpm)));
  }

  /**
   * The window over which the service enforces the per-minute limits (default 1 s, OpenAI's
   * quantization): how much may be sent in one burst.
   */
  public OpenAiCall withRateLimitWindow(Duration window) {
    return new OpenAiCall(
        settings.withBudget(settings.budget().withWindowSeconds(window.toMillis() / 1000.0)));
  }

  /** Fraction of the limits to aim for (default 0.99), room for jitter and clock skew. */
  public OpenAiCall withHeadroom(double fraction) {
    return new OpenAiCall(settings.withBudget(settings.budget().withHeadroom(fraction)));
  }

  /**
   * How much later than sent calls may reach the service, bunched up (default 50 ms): the burst
   * is trimmed by what this much time refills.
   */
  public OpenAiCall withJitterAllowance(Duration jitter) {
    return new OpenAiCall(
        settings.withBudget(settings.budget().withJitterSeconds(jitter.toMillis() / 1000.0)));
  }

  /** Keys the budget is split over; 1 (default) lets one worker make all calls of a budget. */
  public OpenAiCall withBudgetShards(int shards) {
    Preconditions.checkArgument(shards >= 1, "budgetShards must be >= 1");
    return new OpenAiCall(settings.withBudgetShards(shards));
  }

  /** Names the model group, so that budgets of other groups on the same key are separate. */
  public OpenAiCall withModelGroup(String group) {
    return new OpenAiCall(settings.withModelGroup(group));
  }

  /** Tokenizer for every model (e.g. {@code o200k_base}) instead of the model family's. */
  public OpenAiCall withTokenEncoding(String encodingName) {
    return new OpenAiCall(
        settings.withTokenEstimator(settings.tokenEstimator().withEncoding(encodingName)));
  }

  /** Completion tokens reserved for a request that sets no maximum. */
  public OpenAiCall withDefaultMaxTokens(int tokens) {
    return new OpenAiCall(
        settings.withTokenEstimator(settings.tokenEstimator().withDefaultMaxTokens(tokens)));
  }

  /**
   * Whether an invalid key (401) or exhausted quota stops the run (default true) rather than
   * failing each remaining row.
   */
  public OpenAiCall withStopOnHopelessErrors(boolean stop) {
    return new OpenAiCall(settings.withStopOnHopelessErrors(stop));
  }

  /**
   * Records every answer in {@code journal} as it arrives, so a crashed run can be resumed without
   * paying again for the rows that finished.
   */
  public OpenAiCall withJournal(ResultJournal journal) {
    return new OpenAiCall(settings.withJournal(journal));
  }

  /**
   * Prices answers with this table (default: the bundled {@link PriceTable#bundled()}); the
   * spend is published as the {@code openai:cost_nano_usd} counters.
   */
  public OpenAiCall withPriceTable(PriceTable prices) {
    return new OpenAiCall(settings.withCost(settings.cost().withPrices(prices)));
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
    return new OpenAiCall(settings.withCost(settings.cost().withMaxCostUsd(usd)));
  }

  CallSettings settings() {
    return settings;
  }

  /** Whether answers are recorded in a result journal ({@link #withJournal}). */
  public boolean hasJournal() {
    return settings.journal() != null;
  }

  @Override
  public void validate(PipelineOptions options) {
    super.validate(options);
    Preconditions.checkArgument(
        settings.http().getBaseUrl().startsWith("http://")
            || settings.http().getBaseUrl().startsWith("https://"),
        "baseUrl must be an http(s) URL, got %s",
        settings.http().getBaseUrl());
    Preconditions.checkArgument(settings.maxInFlight() >= 1, "maxInFlight must be >= 1");
  }

  @Override
  public Result expand(PCollection<ApiRequest> input) {
    TupleTag<ApiResponse> responses = new TupleTag<ApiResponse>() {};
    TupleTag<ApiFailure> failures = new TupleTag<ApiFailure>() {};
    String budgetId = settings.budgetId();
    int shards = settings.budgetShards();
    PCollectionTuple out =
        input
            .apply("KeyByBudgetShard", ParDo.of(new KeyByShardFn(budgetId, shards)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ApiRequest.Coder.of()))
            .apply(
                "CallApi",
                ParDo.of(new OpenAiCallFn(settings, responses, failures))
                    .withOutputTags(responses, TupleTagList.of(failures)));
    out.get(responses).setCoder(ApiResponse.Coder.of());
    out.get(failures).setCoder(ApiFailure.Coder.of());
    return new Result(input.getPipeline(), responses, failures, out);
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    describe(settings, builder);
  }

  static void describe(CallSettings s, DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("baseUrl", s.http().getBaseUrl()).withLabel("Base URL"))
        .add(DisplayData.item("apiStyle", s.http().getApiStyle().name()))
        .add(DisplayData.item("apiKeySource", s.keySource().describe()).withLabel("API key from"))
        .add(DisplayData.item("requestsPerMinute", s.budget().getRequestsPerMinute()))
        .add(DisplayData.item("tokensPerMinute", s.budget().getTokensPerMinute()))
        .add(DisplayData.item("rateLimitWindowSeconds", s.budget().getWindowSeconds()))
        .add(DisplayData.item("headroom", s.budget().getHeadroom()))
        .add(DisplayData.item("jitterAllowanceSeconds", s.budget().getJitterSeconds()))
        .add(DisplayData.item("budgetShards", s.budgetShards()))
        .add(DisplayData.item("maxAttempts", s.retryPolicy().getMaxAttempts()))
        .add(DisplayData.item("maxInFlight", s.maxInFlight()))
        .add(DisplayData.item("requestTimeout", s.http().getRequestTimeout().toString()))
        .add(DisplayData.item("pricedModels", s.cost().prices().prices().size())
            .withLabel("Models in the price table"))
        .add(DisplayData.item("maxCostUsd", s.cost().maxCostUsd()).withLabel("Cost cap (USD, 0 = none)"));
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
      LocalProgress.KEYED.incrementAndGet();
      out.output(KV.of(BudgetKeys.shardKey(budgetId, BudgetKeys.shardOf(r.getId(), shards)), r));
    }
  }

  /** The answers and the failures of an {@link OpenAiCall}. */
  public static final class Result extends WithFailures<ApiResponse> {
    Result(
        Pipeline pipeline,
        TupleTag<ApiResponse> responsesTag,
        TupleTag<ApiFailure> failuresTag,
        PCollectionTuple tuple) {
      super(pipeline, responsesTag, failuresTag, tuple);
    }

    public PCollection<ApiResponse> getResponses() {
      return main();
    }
  }
}
