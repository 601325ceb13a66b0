package dev.openaibeam.cost;

import dev.openaibeam.api.ApiRequest;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;

/**
 * Estimates the tokens of every request without calling anything, into counters per model in
 * namespace {@value #NAMESPACE} ({@code rows:M}, {@code prompt_tokens:M}, {@code
 * completion_tokens_max:M}, {@code completion_tokens_expected:M}, {@code rows_unusable}); {@link
 * EstimateReport#of} turns them into dollars after the run.
 *
 * <pre>{@code
 * requests.apply(EstimateCost.with(CostEstimator.of(TokenEstimator.create())));
 * PipelineResult r = pipeline.run();
 * r.waitUntilFinish();
 * System.out.print(EstimateReport.of(r, PriceTable.bundled(), estimator).format());
 * }</pre>
 */
public final class EstimateCost extends PTransform<PCollection<ApiRequest>, PCollection<Void>> {
  public static final String NAMESPACE = "openai-estimate";
  static final String ROWS = "rows";
  static final String PROMPT = "prompt_tokens";
  static final String COMPLETION_MAX = "completion_tokens_max";
  static final String COMPLETION_EXPECTED = "completion_tokens_expected";
  static final String UNUSABLE = "rows_unusable";

  private final CostEstimator estimator;

  private EstimateCost(CostEstimator estimator) {
    this.estimator = estimator;
  }

  public static EstimateCost with(CostEstimator estimator) {
    return new EstimateCost(estimator);
  }

  @Override
  public PCollection<Void> expand(PCollection<ApiRequest> input) {
    return input.apply("EstimateTokens", ParDo.of(new EstimateFn(estimator)));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("expectedOutputTokens", estimator.getExpectedOutputTokens()));
  }

  static final class EstimateFn extends DoFn<ApiRequest, Void> {
    private final CostEstimator estimator;
    private final Counter unusable = Metrics.counter(NAMESPACE, UNUSABLE);
    private transient Map<String, Counter> counters;

    EstimateFn(CostEstimator estimator) {
      this.estimator = estimator;
    }

    @ProcessElement
    public void process(@Element ApiRequest request) {
      var row = estimator.estimate(request);
      if (row.isEmpty()) {
        unusable.inc();
        return;
      }
      String m = row.get().model();
      counter(ROWS, m).inc();
      counter(PROMPT, m).inc(row.get().promptTokens());
      counter(COMPLETION_MAX, m).inc(row.get().completionTokensMax());
      counter(COMPLETION_EXPECTED, m).inc(row.get().completionTokensExpected());
    }

    private Counter counter(String name, String model) {
      if (counters == null) {
        counters = new HashMap<>();
      }
      String full = name + CostMetrics.MODEL_SEPARATOR + model;
      return counters.computeIfAbsent(full, n -> Metrics.counter(NAMESPACE, n));
    }
  }
}
