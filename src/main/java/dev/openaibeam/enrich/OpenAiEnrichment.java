package dev.openaibeam.enrich;

import com.google.common.base.Preconditions;
import dev.openaibeam.call.ApiError;
import dev.openaibeam.call.ApiFailure;
import dev.openaibeam.call.ApiRequest;
import dev.openaibeam.call.ApiResponse;
import dev.openaibeam.call.OpenAiCall;
import dev.openaibeam.http.ApiKeySource;
import dev.openaibeam.http.RetryPolicy;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.util.CoderUtils;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Enriches each element of a {@code PCollection<T>} with an OpenAI answer: a request function
 * builds the call from the element, the wrapped {@link OpenAiCall} makes it inside the RPM/TPM
 * budget, and a join function combines the element with its answer. Elements that get no answer
 * come out as {@link EnrichmentFailure}s that hold the element itself, never as a crashed pipeline
 * (a request function that throws included).
 *
 * <p>Example:
 *
 * <pre>{@code
 * ObjectMapper json = new ObjectMapper();
 * PCollection<Ticket> tickets = ...;
 * OpenAiEnrichment.Result<Ticket, LabelledTicket> result = tickets.apply(
 *     OpenAiEnrichment.<Ticket, LabelledTicket>of(
 *             ticket -> {
 *               ObjectNode body = json.createObjectNode().put("model", "gpt-4o-mini");
 *               body.putArray("messages").addObject()
 *                   .put("role", "user").put("content", "One-word label for: " + ticket.text());
 *               return EnrichmentRequest.chat(body.put("max_completion_tokens", 5));
 *             },
 *             (ticket, response) -> ticket.withLabel(Responses.text(response.getBody())))
 *         .withIdFn(Ticket::id)
 *         .withApiKey(ApiKeySource.fromEnv("OPENAI_API_KEY"))
 *         .withRequestsPerMinute(5_000)
 *         .withTokensPerMinute(2_000_000)
 *         .withOutputCoder(SerializableCoder.of(LabelledTicket.class)));
 * PCollection<LabelledTicket> labelled = result.getEnriched();
 * PCollection<EnrichmentFailure<Ticket>> failed = result.getFailures();
 * }</pre>
 *
 * <p>For Beam {@link Row}s with a schema there are ready-made enrichments whose output rows have
 * the input's fields plus the answer's, with the schema set: {@code
 * OpenAiEnrichment.rows(RowChat.of("gpt-4o-mini", "Summarize: {body}"))} and {@code
 * OpenAiEnrichment.rows(RowEmbeddings.of("text-embedding-3-small", "body"))}.
 *
 * <p><b>How an element finds its answer.</b> The element travels with its own request: it is
 * encoded with the input coder and carried in the request's pass-through metadata through the
 * call, and decoded from the answer (or the failure). The alternative, joining answers to elements
 * by id with a {@code CoGroupByKey}, was rejected: it shuffles every element a second time and
 * holds it in state for the length of its call; it needs ids that are unique, which a user's data
 * may not have; and a grouping join is only correct when the answer lands in the element's window
 * and the trigger fires once per key, which is not so in general for streaming pipelines (the
 * default trigger of the global window never fires; early and late firings split the join).
 * Carrying the element costs nothing but its encoded bytes (one third more, for base64) in the one
 * shuffle the budget needs anyway, and is correct on every runner, batch or streaming, because
 * {@code OpenAiCall} emits each answer in its request's window with its timestamp.
 *
 * <p>Ids: a request's id (used to spread requests over budget shards and shown on failures) comes
 * from {@link #withIdFn}, else from a hash of the encoded element, so it is stable across runs.
 * Ids need not be unique: two equal elements are both enriched.
 *
 * <p>Coders: the input's coder carries the elements (override with {@link #withInputCoder}); the
 * output coder is {@link #withOutputCoder}, else the one the registry has for the join function's
 * declared output type, else whatever {@code setCoder} you call on {@link Result#getEnriched()}.
 *
 * <p>The wrapped call must not have a result journal ({@link OpenAiCall#withJournal}): it would
 * write the carried elements to disk. Such a call is refused when the pipeline is built.
 */
public final class OpenAiEnrichment<T, OutT>
    extends PTransform<PCollection<T>, OpenAiEnrichment.Result<T, OutT>> {
  public static final String NAMESPACE = "openai-enrich";
  public static final String ENRICHED = "enriched";
  public static final String FAILED = "failed";
  public static final String REQUEST_BUILD_FAILED = "request_build_failed";
  public static final String JOIN_FAILED = "join_failed";

  /** Builds the API call for one element. Throwing makes the element a failure. */
  @FunctionalInterface
  public interface RequestFn<T> extends Serializable {
    EnrichmentRequest build(T input) throws Exception;
  }

  /**
   * Combines an element with its answer. The response's request carries the id, body and the
   * metadata the request function set. Throwing (or returning null) makes the element a failure
   * that keeps the answer's body.
   */
  @FunctionalInterface
  public interface JoinFn<T, OutT> extends Serializable {
    OutT join(T input, ApiResponse response) throws Exception;
  }

  private final @Nullable RequestFn<T> requestFn;
  private final @Nullable JoinFn<T, OutT> joinFn;
  private final @Nullable RowEnricher rowEnricher;
  private final OpenAiCall call;
  private final @Nullable SerializableFunction<T, String> idFn;
  private final @Nullable Coder<T> inputCoder;
  private final @Nullable Coder<OutT> outputCoder;

  private OpenAiEnrichment(
      @Nullable RequestFn<T> requestFn,
      @Nullable JoinFn<T, OutT> joinFn,
      @Nullable RowEnricher rowEnricher,
      OpenAiCall call,
      @Nullable SerializableFunction<T, String> idFn,
      @Nullable Coder<T> inputCoder,
      @Nullable Coder<OutT> outputCoder) {
    this.requestFn = requestFn;
    this.joinFn = joinFn;
    this.rowEnricher = rowEnricher;
    this.call = call;
    this.idFn = idFn;
    this.inputCoder = inputCoder;
    this.outputCoder = outputCoder;
  }

  /** Enrichment with your own request and join functions; calls go to OpenAI by default. */
  public static <T, OutT> OpenAiEnrichment<T, OutT> of(
      RequestFn<T> requestFn, JoinFn<T, OutT> joinFn) {
    Preconditions.checkNotNull(requestFn, "requestFn");
    Preconditions.checkNotNull(joinFn, "joinFn");
    return new OpenAiEnrichment<>(
        requestFn, joinFn, null, OpenAiCall.create(), null, null, null);
  }

  /**
   * Enrichment of schema'd {@link Row}s by a ready-made {@link RowEnricher} ({@link RowChat},
   * {@link RowEmbeddings}); the output rows' schema is derived from the input's.
   */
  public static OpenAiEnrichment<Row, Row> rows(RowEnricher enricher) {
    Preconditions.checkNotNull(enricher, "enricher");
    return new OpenAiEnrichment<>(null, null, enricher, OpenAiCall.create(), null, null, null);
  }

  private OpenAiEnrichment<T, OutT> with(OpenAiCall c) {
    return new OpenAiEnrichment<>(requestFn, joinFn, rowEnricher, c, idFn, inputCoder, outputCoder);
  }

  /**
   * Replaces the wrapped call (and all its settings) by {@code call}, which must not have a result
   * journal.
   */
  public OpenAiEnrichment<T, OutT> withCall(OpenAiCall call) {
    return with(Preconditions.checkNotNull(call, "call"));
  }

  /** Id of each element's request; default: a hash of the encoded element. */
  public OpenAiEnrichment<T, OutT> withIdFn(SerializableFunction<T, String> idFn) {
    return new OpenAiEnrichment<>(
        requestFn, joinFn, rowEnricher, call, Preconditions.checkNotNull(idFn), inputCoder,
        outputCoder);
  }

  /** The coder the elements are carried with; default: the input PCollection's. */
  public OpenAiEnrichment<T, OutT> withInputCoder(Coder<T> coder) {
    return new OpenAiEnrichment<>(
        requestFn, joinFn, rowEnricher, call, idFn, Preconditions.checkNotNull(coder), outputCoder);
  }

  public OpenAiEnrichment<T, OutT> withOutputCoder(Coder<OutT> coder) {
    return new OpenAiEnrichment<>(
        requestFn, joinFn, rowEnricher, call, idFn, inputCoder, Preconditions.checkNotNull(coder));
  }

  /** See {@link OpenAiCall#withBaseUrl}. */
  public OpenAiEnrichment<T, OutT> withBaseUrl(String baseUrl) {
    return with(call.withBaseUrl(baseUrl));
  }

  /** See {@link OpenAiCall#withAzure}. */
  public OpenAiEnrichment<T, OutT> withAzure(String apiVersion) {
    return with(call.withAzure(apiVersion));
  }

  public OpenAiEnrichment<T, OutT> withApiKey(ApiKeySource source) {
    return with(call.withApiKey(source));
  }

  public OpenAiEnrichment<T, OutT> withHeader(String name, String value) {
    return with(call.withHeader(name, value));
  }

  /** The whole budget (all workers together); 0 = no limit. */
  public OpenAiEnrichment<T, OutT> withRequestsPerMinute(long rpm) {
    return with(call.withRequestsPerMinute(rpm));
  }

  /** The whole budget (all workers together); 0 = no limit. */
  public OpenAiEnrichment<T, OutT> withTokensPerMinute(long tpm) {
    return with(call.withTokensPerMinute(tpm));
  }

  /** See {@link OpenAiCall#withRateLimitWindow}. */
  public OpenAiEnrichment<T, OutT> withRateLimitWindow(Duration window) {
    return with(call.withRateLimitWindow(window));
  }

  public OpenAiEnrichment<T, OutT> withHeadroom(double fraction) {
    return with(call.withHeadroom(fraction));
  }

  public OpenAiEnrichment<T, OutT> withBudgetShards(int shards) {
    return with(call.withBudgetShards(shards));
  }

  public OpenAiEnrichment<T, OutT> withModelGroup(String group) {
    return with(call.withModelGroup(group));
  }

  public OpenAiEnrichment<T, OutT> withMaxAttempts(int maxAttempts) {
    return with(call.withMaxAttempts(maxAttempts));
  }

  public OpenAiEnrichment<T, OutT> withRetryPolicy(RetryPolicy policy) {
    return with(call.withRetryPolicy(policy));
  }

  public OpenAiEnrichment<T, OutT> withRequestTimeout(Duration timeout) {
    return with(call.withRequestTimeout(timeout));
  }

  public OpenAiEnrichment<T, OutT> withMaxInFlight(int maxInFlight) {
    return with(call.withMaxInFlight(maxInFlight));
  }

  public OpenAiEnrichment<T, OutT> withTokenEncoding(String encodingName) {
    return with(call.withTokenEncoding(encodingName));
  }

  public OpenAiEnrichment<T, OutT> withDefaultMaxTokens(int tokens) {
    return with(call.withDefaultMaxTokens(tokens));
  }

  /** See {@link OpenAiCall#withStopOnHopelessErrors}. */
  public OpenAiEnrichment<T, OutT> withStopOnHopelessErrors(boolean stop) {
    return with(call.withStopOnHopelessErrors(stop));
  }

  @Override
  public void validate(@Nullable PipelineOptions options) {
    super.validate(options);
    checkNoJournal();
    call.validate(options);
  }

  private void checkNoJournal() {
    Preconditions.checkArgument(
        !call.hasJournal(),
        "OpenAiEnrichment cannot wrap a call with a result journal (withJournal): the journal"
            + " would write every element it carries to disk; use a call without one");
  }

  @Override
  @SuppressWarnings("unchecked")
  public Result<T, OutT> expand(PCollection<T> input) {
    checkNoJournal();
    RequestFn<T> buildFn = requestFn;
    JoinFn<T, OutT> join = joinFn;
    Coder<OutT> outCoder = outputCoder;
    if (rowEnricher != null) {
      Preconditions.checkArgument(
          input.hasSchema(), "OpenAiEnrichment.rows needs input with a schema (setRowSchema)");
      RowEnricher enricher = rowEnricher;
      Schema outSchema = enricher.outputSchema(input.getSchema());
      buildFn = (RequestFn<T>) (RequestFn<Row>) enricher::request;
      join = (JoinFn<T, OutT>) (JoinFn<Row, Row>) (row, r) -> enricher.join(row, r, outSchema);
      outCoder = (Coder<OutT>) (Coder<?>) org.apache.beam.sdk.schemas.SchemaCoder.of(outSchema);
    }
    Coder<T> carried = inputCoder != null ? inputCoder : input.getCoder();

    TupleTag<ApiRequest> requestsTag = new TupleTag<ApiRequest>() {};
    TupleTag<EnrichmentFailure<T>> buildFailedTag = new TupleTag<EnrichmentFailure<T>>() {};
    PCollectionTuple built =
        input.apply(
            "BuildRequests",
            ParDo.of(new BuildRequestsFn<>(buildFn, idFn, carried, requestsTag, buildFailedTag))
                .withOutputTags(requestsTag, TupleTagList.of(buildFailedTag)));
    built.get(requestsTag).setCoder(ApiRequest.Coder.of());
    EnrichmentFailure.Coder<T> failureCoder = EnrichmentFailure.Coder.of(carried);
    built.get(buildFailedTag).setCoder(failureCoder);

    OpenAiCall.Result called = built.get(requestsTag).apply("CallOpenAi", call);

    TupleTag<OutT> enrichedTag = new TupleTag<OutT>() {};
    TupleTag<EnrichmentFailure<T>> joinFailedTag = new TupleTag<EnrichmentFailure<T>>() {};
    PCollectionTuple joined =
        called
            .getResponses()
            .apply(
                "JoinAnswers",
                ParDo.of(new JoinAnswersFn<>(join, carried, enrichedTag, joinFailedTag))
                    .withOutputTags(enrichedTag, TupleTagList.of(joinFailedTag)));
    joined.get(joinFailedTag).setCoder(failureCoder);
    PCollection<OutT> enriched = joined.get(enrichedTag);
    if (outCoder == null) {
      outCoder = inferOutputCoder(input.getPipeline(), join);
    }
    if (outCoder != null) {
      enriched.setCoder(outCoder);
    }

    PCollection<EnrichmentFailure<T>> callFailed =
        called
            .getFailures()
            .apply("RestoreInputs", ParDo.of(new RestoreInputFn<>(carried)))
            .setCoder(failureCoder);
    PCollection<EnrichmentFailure<T>> failures =
        PCollectionList.of(built.get(buildFailedTag))
            .and(callFailed)
            .and(joined.get(joinFailedTag))
            .apply("AllFailures", Flatten.pCollections())
            .setCoder(failureCoder);
    return new Result<>(input.getPipeline(), enrichedTag, enriched, failures);
  }

  /** The registry's coder for the join function's declared output type, when it has one. */
  private static <T, OutT> @Nullable Coder<OutT> inferOutputCoder(
      Pipeline p, JoinFn<T, OutT> join) {
    try {
      TypeDescriptor<OutT> type =
          TypeDescriptors.extractFromTypeParameters(
              join,
              JoinFn.class,
              new TypeDescriptors.TypeVariableExtractor<JoinFn<T, OutT>, OutT>() {});
      if (type.hasUnresolvedParameters()) {
        return null; // a lambda: its type arguments are erased
      }
      return p.getCoderRegistry().getCoder(type);
    } catch (CannotProvideCoderException | IllegalArgumentException e) {
      return null;
    }
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    if (rowEnricher != null) {
      builder.add(DisplayData.item("rowEnricher", rowEnricher.describe()).withLabel("Row enricher"));
    } else {
      builder.add(DisplayData.item("requestFn", requestFn.getClass()).withLabel("Request function"));
      builder.add(DisplayData.item("joinFn", joinFn.getClass()).withLabel("Join function"));
    }
    builder.include("call", call);
  }

  static ApiError error(String code, Exception e) {
    String message = e.getClass().getSimpleName() + (e.getMessage() == null ? "" : ": " + e.getMessage());
    return ApiError.of(null, "enrichment_error", code, message, null);
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
                    input, ApiFailure.of(none, error(REQUEST_BUILD_FAILED, e), 0, List.of()), null));
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
    return ApiRequest.of(
        r.getId(), r.getEndpoint(), r.getBody(), CarriedInput.userMetadata(r.getMetadata()));
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
        ApiFailure f = ApiFailure.of(request, error(JOIN_FAILED, e), response.getAttempts(), List.of());
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
              ApiFailure.of(
                  userRequest(f.getRequest()), f.getError(), f.getAttempts(), f.getAttemptErrors()),
              null));
    }
  }

  /** The enriched elements and the failures of an {@link OpenAiEnrichment}. */
  public static final class Result<T, OutT> implements POutput {
    private final Pipeline pipeline;
    private final TupleTag<OutT> enrichedTag;
    private final PCollection<OutT> enriched;
    private final TupleTag<EnrichmentFailure<T>> failuresTag = new TupleTag<EnrichmentFailure<T>>() {};
    private final PCollection<EnrichmentFailure<T>> failures;

    Result(
        Pipeline pipeline,
        TupleTag<OutT> enrichedTag,
        PCollection<OutT> enriched,
        PCollection<EnrichmentFailure<T>> failures) {
      this.pipeline = pipeline;
      this.enrichedTag = enrichedTag;
      this.enriched = enriched;
      this.failures = failures;
    }

    /** One element per input element that got an answer and joined it. */
    public PCollection<OutT> getEnriched() {
      return enriched;
    }

    /** One per input element that did not: build, call or join failures. */
    public PCollection<EnrichmentFailure<T>> getFailures() {
      return failures;
    }

    @Override
    public Pipeline getPipeline() {
      return pipeline;
    }

    @Override
    public Map<TupleTag<?>, PValue> expand() {
      return Map.of(enrichedTag, enriched, failuresTag, failures);
    }

    @Override
    public void finishSpecifyingOutput(
        String transformName, PInput input, PTransform<?, ?> transform) {}
  }
}
