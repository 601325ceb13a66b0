package dev.openaibeam.enrich;

import com.google.common.base.Preconditions;
import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ErrorCode;
import dev.openaibeam.enrich.OpenAiEnrichment.JoinFn;
import dev.openaibeam.enrich.OpenAiEnrichment.RequestFn;
import java.util.List;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The steps of an {@link OpenAiEnrichment} around its call: build each element's request (carrying
 * the encoded element), join each answer to its element, give each failed call its element back.
 */
final class EnrichmentSteps {
  static final String NAMESPACE = OpenAiEnrichment.NAMESPACE;
  static final String ENRICHED = OpenAiEnrichment.ENRICHED;
  static final String FAILED = OpenAiEnrichment.FAILED;
  static final String REQUEST_BUILD_FAILED = OpenAiEnrichment.REQUEST_BUILD_FAILED;
  static final String JOIN_FAILED = OpenAiEnrichment.JOIN_FAILED;

  private EnrichmentSteps() {}

  static ApiError error(ErrorCode code, Exception e) {
    String message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return ApiError.of(code, message);
  }

  /** Builds each element's request, carrying the encoded element in its metadata. */
  static final class BuildRequestsFn<T> extends DoFn<T, ApiRequest> {
    private final RequestFn<T> requestFn;
    private final @Nullable SerializableFunction<T, String> idFn;
    private final Coder<T> coder;
    private final TupleTag<ApiRequest> requestsTag;
    private final TupleTag<EnrichmentFailure<T>> failedTag;
    private final Counter buildFailed = Metrics.counter(NAMESPACE, REQUEST_BUILD_FAILED);
    private final Counter failed = Metrics.counter(NAMESPACE, FAILED);

    BuildRequestsFn(
        RequestFn<T> requestFn,
        @Nullable SerializableFunction<T, String> idFn,
        Coder<T> coder,
        TupleTag<ApiRequest> requestsTag,
        TupleTag<EnrichmentFailure<T>> failedTag) {
      this.requestFn = requestFn;
      this.idFn = idFn;
      this.coder = coder;
      this.requestsTag = requestsTag;
      this.failedTag = failedTag;
    }

    @ProcessElement
    public void process(@Element T input, MultiOutputReceiver out) throws Exception {
      byte[] encoded = CoderUtils.encodeToByteArray(coder, input);
      String id = null;
      EnrichmentRequest request;
      try {
        // The hash only when there is no id function (or, below, when it failed).
        id =
            idFn != null
                ? Preconditions.checkNotNull(idFn.apply(input), "the id function returned null")
                : CarriedInput.derivedId(encoded);
        request = Preconditions.checkNotNull(requestFn.build(input), "the request function returned null");
      } catch (Exception e) {
        if (id == null) {
          id = CarriedInput.derivedId(encoded);
        }
        buildFailed.inc();
        failed.inc();
        ApiRequest none = ApiRequest.of(id, "", "", null);
        out.get(failedTag)
            .output(
                EnrichmentFailure.of(
                    input, ApiFailure.notSent(none, error(ErrorCode.REQUEST_BUILD_FAILED, e)), null));
        return;
      }
      out.get(requestsTag)
          .output(
              ApiRequest.of(
                  id,
                  request.getEndpoint(),
                  request.getBody(),
                  CarriedInput.wrap(encoded, request.getMetadata())));
    }
  }

  /** The request as the user built it: the carried element taken out of its metadata. */
  static ApiRequest userRequest(ApiRequest r) {
    return r.withMetadata(CarriedInput.userMetadata(r.getMetadata()));
  }

  /** Decodes each answer's element and joins the two. */
  static final class JoinAnswersFn<T, OutT> extends DoFn<ApiResponse, OutT> {
    private final JoinFn<T, OutT> joinFn;
    private final Coder<T> coder;
    private final TupleTag<OutT> enrichedTag;
    private final TupleTag<EnrichmentFailure<T>> failedTag;
    private final Counter enriched = Metrics.counter(NAMESPACE, ENRICHED);
    private final Counter joinFailed = Metrics.counter(NAMESPACE, JOIN_FAILED);
    private final Counter failed = Metrics.counter(NAMESPACE, FAILED);

    JoinAnswersFn(
        JoinFn<T, OutT> joinFn,
        Coder<T> coder,
        TupleTag<OutT> enrichedTag,
        TupleTag<EnrichmentFailure<T>> failedTag) {
      this.joinFn = joinFn;
      this.coder = coder;
      this.enrichedTag = enrichedTag;
      this.failedTag = failedTag;
    }

    @ProcessElement
    public void process(@Element ApiResponse response, MultiOutputReceiver out) throws Exception {
      T input = CoderUtils.decodeFromByteArray(coder, CarriedInput.input(response.getRequest().getMetadata()));
      ApiRequest request = userRequest(response.getRequest());
      OutT joined;
      try {
        joined =
            Preconditions.checkNotNull(
                joinFn.join(
                    input,
                    ApiResponse.of(
                        request, response.getBody(), response.getAttempts(), response.getLatencyMillis())),
                "the join function returned null");
      } catch (Exception e) {
        joinFailed.inc();
        failed.inc();
        ApiFailure f = ApiFailure.of(request, error(ErrorCode.JOIN_FAILED, e), response.getAttempts(), List.of());
        out.get(failedTag).output(EnrichmentFailure.of(input, f, response.getBody()));
        return;
      }
      enriched.inc();
      out.get(enrichedTag).output(joined);
    }
  }

  /** Gives each failed call its element back. */
  static final class RestoreInputFn<T> extends DoFn<ApiFailure, EnrichmentFailure<T>> {
    private final Coder<T> coder;
    private final Counter failed = Metrics.counter(NAMESPACE, FAILED);

    RestoreInputFn(Coder<T> coder) {
      this.coder = coder;
    }

    @ProcessElement
    public void process(@Element ApiFailure f, OutputReceiver<EnrichmentFailure<T>> out)
        throws Exception {
      T input = CoderUtils.decodeFromByteArray(coder, CarriedInput.input(f.getRequest().getMetadata()));
      failed.inc();
      out.output(
          EnrichmentFailure.of(
              input,
              f.withRequest(userRequest(f.getRequest())),
              null));
    }
  }

}
