package dev.openaibeam.pipeline;

import com.google.common.base.Strings;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.cost.CostEstimator;
import dev.openaibeam.cost.EstimateCost;
import dev.openaibeam.cost.EstimateReport;
import dev.openaibeam.cost.PriceTable;
import dev.openaibeam.cost.PricingMode;
import dev.openaibeam.cost.Usd;
import dev.openaibeam.jsonl.JsonlRequests;
import dev.openaibeam.metrics.MetricCounters;
import dev.openaibeam.tokens.TokenEstimator;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.values.PCollection;

/**
 * {@code --estimateOnly}: the job's own reader (and, with {@code --resume}, its journal filter)
 * followed by {@link EstimateCost} instead of the calls; prints tokens and dollars per model.
 */
final class CostEstimateRun {
  private CostEstimateRun() {}

  static CostEstimator estimator(OpenAiBeamOptions o) {
    TokenEstimator tokens = TokenEstimator.create().withDefaultMaxTokens(o.getDefaultMaxTokens());
    if (!Strings.isNullOrEmpty(o.getTokenEncoding())) {
      tokens = tokens.withEncoding(o.getTokenEncoding());
    }
    return CostEstimator.of(tokens).withExpectedOutputTokens(o.getExpectedOutputTokens());
  }

  /** Runs the estimate pipeline and returns its report; makes no API call. */
  static EstimateReport estimate(OpenAiBeamOptions o) {
    PriceTable prices = PriceTable.bundledWith(o.getPriceFile());
    CostEstimator estimator = estimator(o);
    Pipeline p = Pipeline.create(o);
    PCollection<ApiRequest> requests =
        p.apply("ReadRequests", JsonlRequests.read(o.getInput()).withDefaultEndpoint(o.getApiEndpoint()))
            .output();
    if (o.getResume()) {
      requests = Resume.notDone(requests, Resume.journaled(p.begin(), OpenAiBeamPipeline.journal(o).glob()));
    }
    requests.apply("EstimateCost", EstimateCost.with(estimator));
    PipelineResult result = p.run();
    result.waitUntilFinish();
    return EstimateReport.of(result, prices, estimator, malformedLines(result));
  }

  static int run(OpenAiBeamOptions o) {
    EstimateReport report = estimate(o);
    System.out.print(report.format());
    if (o.getMaxCostUsd() > 0) {
      long upper = report.totalNanos(false, PricingMode.ONLINE);
      System.out.println(String.format(java.util.Locale.ROOT,
          "--maxCostUsd=%.4f: the upper bound %s %s the cap", o.getMaxCostUsd(), Usd.format(upper),
          upper <= Usd.toNanos(o.getMaxCostUsd()) ? "fits within" : "EXCEEDS"));
    }
    return 0;
  }

  private static long malformedLines(PipelineResult result) {
    return MetricCounters.named(result, JsonlRequests.NAMESPACE, JsonlRequests.LINES_MALFORMED);
  }
}
