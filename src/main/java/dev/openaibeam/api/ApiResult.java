package dev.openaibeam.api;

import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/**
 * What a transform that answers {@link ApiRequest}s returns ({@code OpenAiCall}, {@code
 * OpenAiBatch}, {@code OnlineOrBatch}): one {@link ApiResponse} per answered request and one
 * {@link ApiFailure} per request that got none, each joined to its request by id and metadata.
 * Shaped like Beam's {@code RequestResponseIO} result: two PCollections under tags made per
 * transform instance.
 *
 * <pre>{@code
 * ApiResult result = requests.apply(OpenAiCall.of(connection));
 * result.getResponses().apply(...);
 * result.getFailures().apply(...);
 * }</pre>
 */
public final class ApiResult implements POutput {
  private final Pipeline pipeline;
  private final TupleTag<ApiResponse> responsesTag;
  private final TupleTag<ApiFailure> failuresTag;
  private final PCollection<ApiResponse> responses;
  private final PCollection<ApiFailure> failures;

  private ApiResult(
      Pipeline pipeline,
      TupleTag<ApiResponse> responsesTag,
      PCollection<ApiResponse> responses,
      TupleTag<ApiFailure> failuresTag,
      PCollection<ApiFailure> failures) {
    this.pipeline = pipeline;
    this.responsesTag = responsesTag;
    this.failuresTag = failuresTag;
    this.responses = responses.setCoder(ApiResponse.Coder.of());
    this.failures = failures.setCoder(ApiFailure.Coder.of());
  }

  /** The two outputs of one multi-output step. */
  public static ApiResult of(
      TupleTag<ApiResponse> responsesTag, TupleTag<ApiFailure> failuresTag, PCollectionTuple pct) {
    return new ApiResult(
        pct.getPipeline(), responsesTag, pct.get(responsesTag), failuresTag, pct.get(failuresTag));
  }

  /** Outputs put together from several steps (the online and the batch path, say). */
  public static ApiResult of(PCollection<ApiResponse> responses, PCollection<ApiFailure> failures) {
    return new ApiResult(
        responses.getPipeline(),
        new TupleTag<ApiResponse>() {},
        responses,
        new TupleTag<ApiFailure>() {},
        failures);
  }

  public PCollection<ApiResponse> getResponses() {
    return responses;
  }

  public PCollection<ApiFailure> getFailures() {
    return failures;
  }

  /**
   * Adds the failures to {@code failureCollections} and returns the responses, as Beam's {@code
   * WithFailures.Result#failuresTo} does: for pipelines that gather every step's failures in one
   * sink.
   */
  public PCollection<ApiResponse> failuresTo(List<PCollection<ApiFailure>> failureCollections) {
    failureCollections.add(failures);
    return responses;
  }

  @Override
  public Pipeline getPipeline() {
    return pipeline;
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    return Map.of(responsesTag, responses, failuresTag, failures);
  }

  @Override
  public void finishSpecifyingOutput(
      String transformName, PInput input, PTransform<?, ?> transform) {}
}
