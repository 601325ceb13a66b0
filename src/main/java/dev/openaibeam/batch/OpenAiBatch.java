package dev.openaibeam.batch;

import com.google.common.base.Preconditions;
import com.google.common.hash.Hashing;
import dev.openaibeam.call.ApiFailure;
import dev.openaibeam.call.ApiRequest;
import dev.openaibeam.call.ApiResponse;
import dev.openaibeam.call.WithFailures;
import dev.openaibeam.http.ApiKeySource;
import dev.openaibeam.http.ApiStyle;
import dev.openaibeam.http.HttpSettings;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.GroupByKey;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.Reshuffle;
import org.apache.beam.sdk.transforms.SerializableFunction;
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
 * OpenAiBatch.Result result = requests.apply(
 *     OpenAiBatch.create()
 *         .withApiKey(ApiKeySource.fromEnv("OPENAI_API_KEY"))
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
 * <p>The API key is read on the workers at run time from the {@link ApiKeySource}; it never
 * enters the pipeline graph, display data, outputs or logs.
 */
public final class OpenAiBatch extends PTransform<PCollection<ApiRequest>, OpenAiBatch.Result> {
  private final BatchSettings settings;

  private OpenAiBatch(BatchSettings settings) {
    this.settings = settings;
  }

  /** https://api.openai.com/v1, key in {@code OPENAI_API_KEY}, 24 h window, no state directory. */
  public static OpenAiBatch create() {
    return new OpenAiBatch(BatchSettings.defaults());
  }

  /** Any base URL serving the Files and Batches endpoints (OpenAI style, not Azure's). */
  public OpenAiBatch withBaseUrl(String baseUrl) {
    return new OpenAiBatch(settings.http(settings.http.withBaseUrl(baseUrl)));
  }

  public OpenAiBatch withHttpSettings(HttpSettings http) {
    return new OpenAiBatch(settings.http(http));
  }

  public OpenAiBatch withApiKey(ApiKeySource source) {
    return new OpenAiBatch(settings.keySource(source));
  }

  /** The batches' completion window (the service accepts {@code 24h}). */
  public OpenAiBatch withCompletionWindow(String window) {
    return new OpenAiBatch(settings.completionWindow(window));
  }

  /** Longest wait between two polls of a batch (polls start faster and back off to this). */
  public OpenAiBatch withPollInterval(Duration interval) {
    Preconditions.checkArgument(!interval.isNegative() && !interval.isZero(), "poll interval must be > 0");
    return new OpenAiBatch(settings.pollInterval(interval));
  }

  /**
   * How long to wait for one chunk's batches before giving up (default 26 h): the run then fails
   * with {@link BatchStillRunningException}, and running it again re-attaches.
   */
  public OpenAiBatch withMaxWait(Duration wait) {
    return new OpenAiBatch(settings.maxWait(wait));
  }

  /** Limits of one input file (the service's: 50,000 requests, 200 MB). */
  public OpenAiBatch withFileLimits(int maxRequests, long maxBytes) {
    Preconditions.checkArgument(maxRequests >= 1 && maxBytes >= 1, "file limits must be >= 1");
    return new OpenAiBatch(settings.fileLimits(maxRequests, maxBytes));
  }

  /** Batches per chunk at most: the first, plus resubmissions of what expired (default 3). */
  public OpenAiBatch withMaxRounds(int rounds) {
    Preconditions.checkArgument(rounds >= 1, "maxRounds must be >= 1");
    return new OpenAiBatch(settings.maxRounds(rounds));
  }

  /**
   * Where each chunk's batch ids are recorded (any Beam filesystem), so that a restarted run
   * re-attaches. Without it a restart submits again.
   */
  public OpenAiBatch withStateDirectory(@Nullable String directory) {
    return new OpenAiBatch(settings.stateDirectory(directory));
  }

  /**
   * Prices the answers (at the table's batch discount) for the run's spend report; default the
   * bundled {@link dev.openaibeam.cost.PriceTable#bundled()}.
   */
  public OpenAiBatch withPriceTable(dev.openaibeam.cost.PriceTable prices) {
    return new OpenAiBatch(settings.prices(prices));
  }

  /** Attempts of each Files/Batches call on transient errors (default 6). */
  public OpenAiBatch withControlRetries(dev.openaibeam.http.RetryPolicy policy) {
    return new OpenAiBatch(settings.controlRetries(policy));
  }

  @Override
  public void validate(@Nullable PipelineOptions options) {
    super.validate(options);
    String url = settings.http.getBaseUrl();
    Preconditions.checkArgument(url.startsWith("http://") || url.startsWith("https://"),
        "baseUrl must be an http(s) URL, got %s", url);
    Preconditions.checkArgument(settings.http.getApiStyle() == ApiStyle.OPENAI,
        "the Batch API path supports OpenAI-style URLs only, not Azure deployments");
    Preconditions.checkArgument(settings.maxRequestsPerFile <= 50_000,
        "a batch input file holds at most 50,000 requests");
    Preconditions.checkArgument(settings.maxBytesPerFile <= 200L * 1024 * 1024,
        "a batch input file holds at most 200 MB");
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("baseUrl", settings.http.getBaseUrl()).withLabel("Base URL"))
        .add(DisplayData.item("apiKeySource", settings.keySource.describe()).withLabel("API key from"))
        .add(DisplayData.item("completionWindow", settings.completionWindow))
        .add(DisplayData.item("pollInterval", settings.pollInterval.toString()))
        .add(DisplayData.item("maxWait", settings.maxWait.toString()))
        .add(DisplayData.item("maxRequestsPerFile", settings.maxRequestsPerFile))
        .add(DisplayData.item("maxBytesPerFile", settings.maxBytesPerFile))
        .add(DisplayData.item("maxRounds", settings.maxRounds))
        .addIfNotNull(DisplayData.item("stateDirectory", settings.stateDirectory));
  }

  @Override
  public Result expand(PCollection<ApiRequest> input) {
    TupleTag<ApiResponse> responses = new TupleTag<ApiResponse>() {};
    TupleTag<ApiFailure> failures = new TupleTag<ApiFailure>() {};
    TupleTag<KV<BatchChunk, String>> submitted = new TupleTag<KV<BatchChunk, String>>() {};

    // Rows and bytes of the whole input decide how many groups the rows are hashed into.
    PCollectionView<KV<Long, Long>> size =
        input
            .apply("RowAndBytes", ParDo.of(new RowBytesFn()))
            .setCoder(KvCoder.of(VarLongCoder.of(), VarLongCoder.of()))
            .apply("SumRowsAndBytes", Combine.globally(new SumPairs()).asSingletonView());
    PCollection<BatchChunk> chunks =
        input
            .apply("KeyByGroup", ParDo.of(new KeyByGroupFn(size, settings.maxRequestsPerFile,
                settings.maxBytesPerFile)).withSideInputs(size))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ApiRequest.Coder.of()))
            .apply("GroupRows", GroupByKey.create())
            .apply("CutIntoFiles", ParDo.of(new SplitFn(settings.maxRequestsPerFile, settings.maxBytesPerFile)))
            .setCoder(BatchChunk.Coder.of());
    PCollectionTuple afterSubmit =
        chunks.apply("UploadAndCreate", ParDo.of(new SubmitFn(settings, submitted, failures))
            .withOutputTags(submitted, TupleTagList.of(failures)));
    afterSubmit.get(submitted).setCoder(KvCoder.of(BatchChunk.Coder.of(), StringUtf8Coder.of()));
    afterSubmit.get(failures).setCoder(ApiFailure.Coder.of());
    PCollectionTuple afterAwait =
        afterSubmit
            .get(submitted)
            // A barrier: every batch is created before any chunk is waited for.
            .apply("AllCreated", Reshuffle.viaRandomKey())
            .apply("PollAndDownload", ParDo.of(new AwaitFn(settings, responses, failures))
                .withOutputTags(responses, TupleTagList.of(failures)));
    afterAwait.get(responses).setCoder(ApiResponse.Coder.of());
    afterAwait.get(failures).setCoder(ApiFailure.Coder.of());
    PCollection<ApiFailure> allFailures =
        PCollectionList.of(afterSubmit.get(failures)).and(afterAwait.get(failures))
            .apply("AllFailures", Flatten.pCollections());
    PCollectionTuple out =
        PCollectionTuple.of(responses, afterAwait.get(responses)).and(failures, allFailures);
    return new Result(input.getPipeline(), responses, failures, out);
  }

  /** Number of hash groups: each holds about half a file, so cutting rarely leaves a small tail. */
  static int groups(long rows, long bytes, int maxRequests, long maxBytes) {
    long byRows = (rows * 2 + maxRequests - 1) / maxRequests;
    long byBytes = (bytes * 2 + maxBytes - 1) / maxBytes;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.max(byRows, byBytes)));
  }

  static final class RowBytesFn extends DoFn<ApiRequest, KV<Long, Long>> {
    @ProcessElement
    public void process(@Element ApiRequest r, OutputReceiver<KV<Long, Long>> out) {
      out.output(KV.of(1L, (long) r.getBody().length() + 96));
    }
  }

  static final class SumPairs implements SerializableFunction<Iterable<KV<Long, Long>>, KV<Long, Long>> {
    @Override
    public KV<Long, Long> apply(Iterable<KV<Long, Long>> in) {
      long a = 0;
      long b = 0;
      for (KV<Long, Long> kv : in) {
        a += kv.getKey();
        b += kv.getValue();
      }
      return KV.of(a, b);
    }
  }

  /** Key = endpoint and a hash of the row id: stable for the same input. */
  static final class KeyByGroupFn extends DoFn<ApiRequest, KV<String, ApiRequest>> {
    private final PCollectionView<KV<Long, Long>> size;
    private final int maxRequests;
    private final long maxBytes;

    KeyByGroupFn(PCollectionView<KV<Long, Long>> size, int maxRequests, long maxBytes) {
      this.size = size;
      this.maxRequests = maxRequests;
      this.maxBytes = maxBytes;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      KV<Long, Long> s = c.sideInput(size);
      int groups = groups(s.getKey(), s.getValue(), maxRequests, maxBytes);
      ApiRequest r = c.element();
      int h = Hashing.murmur3_32_fixed().hashString(r.getId(), StandardCharsets.UTF_8).asInt();
      c.output(KV.of(r.getEndpoint() + "|" + Math.floorMod(h, groups), r));
    }
  }

  static final class SplitFn extends DoFn<KV<String, Iterable<ApiRequest>>, BatchChunk> {
    private final int maxRequests;
    private final long maxBytes;

    SplitFn(int maxRequests, long maxBytes) {
      this.maxRequests = maxRequests;
      this.maxBytes = maxBytes;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<ApiRequest>> group, OutputReceiver<BatchChunk> out) {
      List<ApiRequest> rows = new ArrayList<>();
      group.getValue().forEach(rows::add);
      String endpoint = rows.get(0).getEndpoint();
      for (BatchChunk c : ChunkSplitter.split(endpoint, rows, maxRequests, maxBytes)) {
        out.output(c);
      }
    }
  }

  static final class SubmitFn extends DoFn<BatchChunk, KV<BatchChunk, String>> {
    private final BatchSettings settings;
    private final TupleTag<KV<BatchChunk, String>> submitted;
    private final TupleTag<ApiFailure> failures;
    private transient ChunkRunner runner;

    SubmitFn(BatchSettings settings, TupleTag<KV<BatchChunk, String>> submitted, TupleTag<ApiFailure> failures) {
      this.settings = settings;
      this.submitted = submitted;
      this.failures = failures;
    }

    @Setup
    public void setup() {
      runner = new ChunkRunner(settings, new BatchMetrics());
    }

    @ProcessElement
    public void process(@Element BatchChunk chunk, MultiOutputReceiver out) {
      ChunkRunner.Submitted s = runner.submit(chunk);
      if (s.state != null) {
        out.get(submitted).output(KV.of(chunk, s.state.toJson()));
      }
      for (ApiFailure f : s.failures) {
        out.get(failures).output(f);
      }
    }

    @Teardown
    public void teardown() {
      if (runner != null) {
        runner.close();
      }
    }
  }

  static final class AwaitFn extends DoFn<KV<BatchChunk, String>, ApiResponse> {
    private final BatchSettings settings;
    private final TupleTag<ApiResponse> responses;
    private final TupleTag<ApiFailure> failures;
    private transient ChunkRunner runner;

    AwaitFn(BatchSettings settings, TupleTag<ApiResponse> responses, TupleTag<ApiFailure> failures) {
      this.settings = settings;
      this.responses = responses;
      this.failures = failures;
    }

    @Setup
    public void setup() {
      runner = new ChunkRunner(settings, new BatchMetrics());
    }

    @ProcessElement
    public void process(@Element KV<BatchChunk, String> e, MultiOutputReceiver out) throws Exception {
      runner.await(e.getKey(), ChunkState.fromJson(e.getValue()),
          r -> out.get(responses).output(r), f -> out.get(failures).output(f));
    }

    @Teardown
    public void teardown() {
      if (runner != null) {
        runner.close();
      }
    }
  }

  /** The answers and the failures of an {@link OpenAiBatch}. */
  public static final class Result extends WithFailures<ApiResponse> {
    Result(Pipeline pipeline, TupleTag<ApiResponse> responsesTag, TupleTag<ApiFailure> failuresTag,
        PCollectionTuple tuple) {
      super(pipeline, responsesTag, failuresTag, tuple);
    }

    public PCollection<ApiResponse> getResponses() {
      return main();
    }
  }
}
