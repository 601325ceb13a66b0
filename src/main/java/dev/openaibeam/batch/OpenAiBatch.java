package dev.openaibeam.batch;

import com.google.common.base.Preconditions;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.connection.ApiStyle;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.cost.PriceTable;
import dev.openaibeam.transport.Backoff;
import java.time.Duration;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Sends each {@link ApiRequest} through OpenAI's Batch API (half the price of the online calls,
 * answers within the completion window) and returns the answers and the failures in the same
 * shape as {@link dev.openaibeam.call.OpenAiCall}.
 *
 * <p>Example:
 *
 * <pre>{@code
 * PCollection<ApiRequest> requests = ...;
 * ApiResult result = requests.apply(
 *     OpenAiBatch.of(OpenAiConnection.openAi().withApiKey(ApiKeySource.fromEnv("OPENAI_API_KEY")))
 *         .withStateDirectory("gs://my-bucket/job-7.batches")
 *         .withPollInterval(Duration.ofMinutes(1)));
 * PCollection<ApiResponse> answers = result.getResponses();
 * PCollection<ApiFailure> failures = result.getFailures();
 * }</pre>
 *
 * <p>How: the requests are split, per endpoint, into input files of at most 50,000 requests and
 * 200 MB (deterministically: hashed by id into a number of groups derived from the row count and
 * size, then sorted and cut), each uploaded with custom_ids {@code r0, r1, ...}; a batch is created
 * per file, and its id recorded in the state directory before anything else happens. After every
 * batch is created, each is polled with backoff until it ends; the output and error files are
 * downloaded and every row comes back once: an answer, or a failure with the service's error. Rows
 * an expired batch did not run (and rows missing from both files) are resubmitted in a new batch,
 * up to {@link #withMaxRounds} batches per chunk; rows of a cancelled or failed batch become
 * failures saying why (replayable as input).
 *
 * <p>A run started again with the same input and state directory finds each chunk's recorded
 * batches and polls them instead of uploading and paying again. See {@code docs/batch.md}.
 *
 * <p>The API key is read on the workers at run time from the connection's key source; it never
 * enters the pipeline graph, display data, outputs or logs.
 */
public final class OpenAiBatch extends PTransform<PCollection<ApiRequest>, ApiResult> {
  private final BatchConfiguration configuration;

  private OpenAiBatch(BatchConfiguration configuration) {
    this.configuration = configuration;
  }

  /** Through {@code connection}: 24 h window, no state directory. */
  public static OpenAiBatch of(OpenAiConnection connection) {
    return new OpenAiBatch(BatchConfiguration.of(Preconditions.checkNotNull(connection, "connection")));
  }

  private OpenAiBatch with(BatchConfiguration.Builder b) {
    return new OpenAiBatch(b.build());
  }

  /** Another connection (OpenAI style: the Batch API has no Azure deployment URLs). */
  public OpenAiBatch withConnection(OpenAiConnection connection) {
    return with(configuration.toBuilder().setConnection(Preconditions.checkNotNull(connection)));
  }

  /** The batches' completion window (the service accepts {@code 24h}). */
  public OpenAiBatch withCompletionWindow(String window) {
    return with(configuration.toBuilder().setCompletionWindow(Preconditions.checkNotNull(window)));
  }

  /** Longest wait between two polls of a batch (polls start faster and back off to this). */
  public OpenAiBatch withPollInterval(Duration interval) {
    Preconditions.checkArgument(!interval.isNegative() && !interval.isZero(), "poll interval must be > 0");
    return with(configuration.toBuilder().setPollInterval(interval));
  }

  /**
   * How long to wait for one chunk's batches before giving up (default 26 h): the run then fails
   * with {@link BatchStillRunningException}, and running it again re-attaches.
   */
  public OpenAiBatch withMaxWait(Duration wait) {
    return with(configuration.toBuilder().setMaxWait(wait));
  }

  /** Limits of one input file (the service's: 50,000 requests, 200 MB). */
  public OpenAiBatch withFileLimits(int maxRequests, long maxBytes) {
    Preconditions.checkArgument(maxRequests >= 1 && maxBytes >= 1, "file limits must be >= 1");
    return with(configuration.toBuilder().setMaxRequestsPerFile(maxRequests).setMaxBytesPerFile(maxBytes));
  }

  /** Batches per chunk at most: the first, plus resubmissions of what expired (default 3). */
  public OpenAiBatch withMaxRounds(int rounds) {
    Preconditions.checkArgument(rounds >= 1, "maxRounds must be >= 1");
    return with(configuration.toBuilder().setMaxRounds(rounds));
  }

  /**
   * Where each chunk's batch ids are recorded (any Beam filesystem), so that a restarted run
   * re-attaches. Without it a restart submits again.
   */
  public OpenAiBatch withStateDirectory(@Nullable String directory) {
    return with(configuration.toBuilder().setStateDirectory(directory));
  }

  /**
   * Prices the answers (at the table's batch discount) for the run's spend report; default the
   * bundled {@link PriceTable#bundled()}.
   */
  public OpenAiBatch withPriceTable(PriceTable prices) {
    return with(configuration.toBuilder().setPrices(Preconditions.checkNotNull(prices)));
  }

  /** The waits between attempts of a Files or Batches call (default {@link Backoff#standard()}). */
  public OpenAiBatch withControlBackoff(Backoff backoff) {
    return with(configuration.toBuilder().setControlBackoff(Preconditions.checkNotNull(backoff)));
  }

  /** Attempts of each Files or Batches call on transient errors (default 6). */
  public OpenAiBatch withControlAttempts(int attempts) {
    Preconditions.checkArgument(attempts >= 1, "control attempts must be >= 1");
    return with(configuration.toBuilder().setControlAttempts(attempts));
  }

  BatchConfiguration configuration() {
    return configuration;
  }

  @Override
  public void validate(@Nullable PipelineOptions options) {
    super.validate(options);
    check();
  }

  private void check() {
    configuration.connection().validate();
    Preconditions.checkArgument(configuration.connection().getApiStyle() == ApiStyle.OPENAI,
        "the Batch API path supports OpenAI-style URLs only, not Azure deployments");
    Preconditions.checkArgument(
        configuration.maxRequestsPerFile() <= BatchConfiguration.MAX_REQUESTS_PER_FILE,
        "a batch input file holds at most 50,000 requests");
    Preconditions.checkArgument(configuration.maxBytesPerFile() <= BatchConfiguration.MAX_BYTES_PER_FILE,
        "a batch input file holds at most 200 MB");
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    configuration.connection().populateDisplayData(builder);
    builder
        .add(DisplayData.item("completionWindow", configuration.completionWindow()))
        .add(DisplayData.item("pollInterval", configuration.pollInterval().toString()))
        .add(DisplayData.item("maxWait", configuration.maxWait().toString()))
        .add(DisplayData.item("maxRequestsPerFile", configuration.maxRequestsPerFile()))
        .add(DisplayData.item("maxBytesPerFile", configuration.maxBytesPerFile()))
        .add(DisplayData.item("maxRounds", configuration.maxRounds()))
        .addIfNotNull(DisplayData.item("stateDirectory", configuration.stateDirectory()));
  }

  @Override
  public ApiResult expand(PCollection<ApiRequest> input) {
    check();
    int maxRequests = configuration.maxRequestsPerFile();
    long maxBytes = configuration.maxBytesPerFile();
    TupleTag<ApiResponse> responses = new TupleTag<ApiResponse>() {};
    TupleTag<ApiFailure> failures = new TupleTag<ApiFailure>() {};
    TupleTag<KV<BatchChunk, String>> submitted = new TupleTag<KV<BatchChunk, String>>() {};

    // Rows and bytes of the whole input decide how many groups the rows are hashed into.
    PCollectionView<KV<Long, Long>> size =
        input
            .apply("RowAndBytes", ParDo.of(new BatchSteps.RowBytesFn()))
            .setCoder(KvCoder.of(VarLongCoder.of(), VarLongCoder.of()))
            .apply("SumRowsAndBytes", Combine.globally(new BatchSteps.SumPairs()).asSingletonView());
    PCollection<BatchChunk> chunks =
        input
            .apply("KeyByGroup",
                ParDo.of(new BatchSteps.KeyByGroupFn(size, maxRequests, maxBytes)).withSideInputs(size))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ApiRequest.Coder.of()))
            .apply("GroupRows", GroupByKey.create())
            .apply("CutIntoFiles", ParDo.of(new BatchSteps.SplitFn(maxRequests, maxBytes)))
            .setCoder(BatchChunk.Coder.of());
    PCollectionTuple afterSubmit =
        chunks.apply("UploadAndCreate",
            ParDo.of(new BatchSteps.SubmitFn(configuration, submitted, failures))
                .withOutputTags(submitted, TupleTagList.of(failures)));
    afterSubmit.get(submitted).setCoder(KvCoder.of(BatchChunk.Coder.of(), StringUtf8Coder.of()));
    afterSubmit.get(failures).setCoder(ApiFailure.Coder.of());
    PCollectionTuple afterAwait =
        afterSubmit
            .get(submitted)
            // A barrier: every batch is created before any chunk is waited for.
            .apply("AllCreated", Reshuffle.viaRandomKey())
            .apply("PollAndDownload",
                ParDo.of(new BatchSteps.AwaitFn(configuration, responses, failures))
                    .withOutputTags(responses, TupleTagList.of(failures)));
    afterAwait.get(failures).setCoder(ApiFailure.Coder.of());
    PCollection<ApiFailure> allFailures =
        PCollectionList.of(afterSubmit.get(failures)).and(afterAwait.get(failures))
            .apply("AllFailures", Flatten.pCollections());
    return ApiResult.of(afterAwait.get(responses), allFailures);
  }
}
