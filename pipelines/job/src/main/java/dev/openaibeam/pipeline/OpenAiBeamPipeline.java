package dev.openaibeam.pipeline;

import com.google.common.base.Strings;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.batch.OnlineOrBatch;
import dev.openaibeam.call.OpenAiCall;
import dev.openaibeam.call.ResultJournal;
import dev.openaibeam.cost.PriceTable;
import dev.openaibeam.jsonl.JsonlLines;
import dev.openaibeam.jsonl.JsonlRequests;
import dev.openaibeam.jsonl.OutputFormat;
import dev.openaibeam.store.BudgetStore;
import java.time.Duration;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.checkerframework.checker.nullness.qual.Nullable;

/** The JSONL job: read requests, call the API inside the budget, write results and failures. */
public final class OpenAiBeamPipeline {
  public static final String NAMESPACE = "openai-beam";
  public static final String RESULTS_WRITTEN = "results_written";
  public static final String FAILURES_WRITTEN = "failures_written";

  private OpenAiBeamPipeline() {}

  /** The call transform the options describe. */
  public static OpenAiCall callFrom(OpenAiBeamOptions o) {
    OpenAiCall call =
        OpenAiCall.of(ConnectionOptions.poolFrom(o))
            .withRequestsPerMinute(o.getRpm())
            .withTokensPerMinute(o.getTpm())
            .withRateLimitWindow(Duration.ofMillis((long) (o.getRateLimitWindowSeconds() * 1000)))
            .withHeadroom(o.getHeadroom())
            .withBudgetShards(o.getBudgetShards())
            .withMaxAttempts(o.getMaxAttempts())
            .withRowDeadline(Duration.ofMinutes(o.getRowDeadlineMinutes()))
            .withDefaultMaxTokens(o.getDefaultMaxTokens())
            .withPriceTable(PriceTable.bundledWith(o.getPriceFile()))
            .withMaxCostUsd(o.getMaxCostUsd());
    if (!Strings.isNullOrEmpty(o.getTokenEncoding())) {
      call = call.withTokenEncoding(o.getTokenEncoding());
    }
    if (o.getMaxInFlight() > 0) {
      call = call.withMaxInFlight(o.getMaxInFlight());
    }
    return call.withBudgetStore(budgetStoreFrom(o));
  }

  /** The budget store the options name, or null (the budget in this pipeline's state only). */
  static @Nullable BudgetStore budgetStoreFrom(OpenAiBeamOptions o) {
    if (Strings.isNullOrEmpty(o.getBudgetStore())) {
      if (o.getBudgetWeight() != 1 || !Strings.isNullOrEmpty(o.getBudgetName())
          || !Strings.isNullOrEmpty(o.getBudgetStorePasswordEnv())
          || !Strings.isNullOrEmpty(o.getBudgetStorePasswordFile())) {
        throw new IllegalArgumentException("--budgetWeight, --budgetName and the budget store's"
            + " password options need --budgetStore=redis://host:port");
      }
      return null;
    }
    if (!Strings.isNullOrEmpty(o.getBudgetStorePasswordEnv())
        && !Strings.isNullOrEmpty(o.getBudgetStorePasswordFile())) {
      throw new IllegalArgumentException(
          "give one of --budgetStorePasswordEnv and --budgetStorePasswordFile");
    }
    BudgetStore store = BudgetStore.redis(o.getBudgetStore()).withWeight(o.getBudgetWeight())
        .withBudgetName(o.getBudgetName());
    if (!Strings.isNullOrEmpty(o.getBudgetStorePasswordEnv())) {
      store = store.withPasswordFromEnv(o.getBudgetStorePasswordEnv());
    }
    if (!Strings.isNullOrEmpty(o.getBudgetStorePasswordFile())) {
      store = store.withPasswordFile(o.getBudgetStorePasswordFile());
    }
    return store;
  }

  /**
   * The result journal of this job: where answers are recorded as they arrive, always in the
   * native format (it holds everything; a resumed run writes its lines in the run's own format).
   */
  public static ResultJournal journal(OpenAiBeamOptions o) {
    String dir = Strings.isNullOrEmpty(o.getJournal()) ? o.getOutput() + ".journal" : o.getJournal();
    return ResultJournal.to(dir, JsonlLines::resultLine).withReplay(JsonlLines::parseResultLine);
  }

  /** Adds the whole job to {@code p}. */
  public static void build(Pipeline p, OpenAiBeamOptions o) {
    BatchOptions.checkSupported(o);
    OutputFormat format = OutputFormat.parse(o.getOutputFormat());
    WithFailures.Result<PCollection<ApiRequest>, ApiFailure> parsed =
        p.apply("ReadRequests", JsonlRequests.read(o.getInput()).withDefaultEndpoint(o.getApiEndpoint()));
    ResultJournal journal = journal(o);
    PCollection<ApiRequest> requests = parsed.output();
    PCollectionList<String> resultLines = PCollectionList.empty(p);
    if (o.getResume()) {
      PCollection<KV<String, String>> done = Resume.journaled(p.begin(), journal.glob());
      requests = Resume.notDone(requests, done);
      resultLines = resultLines.and(Resume.lines(done, format));
    }
    // --mode: online, batch (the Batch API) or auto (chosen by size and accepted latency).
    ApiResult called =
        requests.apply("Answer",
            OnlineOrBatch.of(callFrom(o).withJournal(journal), BatchOptions.batchFrom(o))
                .withMode(OnlineOrBatch.Mode.parse(o.getMode()))
                .withAutoMinRows(o.getAutoBatchMinRows())
                .withMaxLatencyHours(o.getMaxLatencyHours()));

    resultLines =
        resultLines.and(called.getResponses().apply("FormatResults", ParDo.of(new FormatResultFn(format))));
    PCollection<String> failureLines =
        PCollectionList.of(parsed.failures())
            .and(called.getFailures())
            .apply("AllFailures", Flatten.pCollections())
            .apply("FormatFailures", ParDo.of(new FormatFailureFn(format)));

    resultLines
        .apply("AllResults", Flatten.pCollections())
        .apply("WriteResults", sink(o.getOutput(), o.getOutputShards()));
    failureLines.apply("WriteFailures", sink(o.getFailures(), o.getOutputShards()));
  }

  private static final String SUFFIX = ".jsonl";

  /** The files a sink with {@code prefix} writes (Beam's shard names: -00000-of-00004). */
  static String shardGlob(String prefix) {
    return prefix + "-*-of-*" + SUFFIX; // plain wildcards: every Beam filesystem matches them
  }

  private static TextIO.Write sink(String prefix, int shards) {
    TextIO.Write w = TextIO.write().to(prefix).withSuffix(SUFFIX);
    return shards > 0 ? w.withNumShards(shards) : w;
  }

  static final class FormatResultFn extends DoFn<ApiResponse, String> {
    private final Counter written = Metrics.counter(NAMESPACE, RESULTS_WRITTEN);
    private final OutputFormat format;

    FormatResultFn(OutputFormat format) {
      this.format = format;
    }

    @ProcessElement
    public void process(@Element ApiResponse r, OutputReceiver<String> out) {
      written.inc();
      out.output(format.resultLine(r));
    }
  }

  static final class FormatFailureFn extends DoFn<ApiFailure, String> {
    private final Counter written = Metrics.counter(NAMESPACE, FAILURES_WRITTEN);
    private final OutputFormat format;

    FormatFailureFn(OutputFormat format) {
      this.format = format;
    }

    @ProcessElement
    public void process(@Element ApiFailure f, OutputReceiver<String> out) {
      written.inc();
      out.output(format.failureLine(f));
    }
  }
}
