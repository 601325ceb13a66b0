package dev.openaibeam.enrich;

import com.google.auto.value.AutoValue;
import com.google.common.base.Preconditions;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.call.OpenAiCall;
import dev.openaibeam.connection.OpenAiConnection;
import java.io.Serializable;
import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.CannotProvideCoderException;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.schemas.SchemaCoder;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.display.DisplayData;
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
 *         .withCall(OpenAiCall.of(OpenAiConnection.openAi())
 *             .withRequestsPerMinute(5_000)
 *             .withTokensPerMinute(2_000_000))
 *         .withIdFn(Ticket::id)
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
 * <p>The call is any configured {@link OpenAiCall} ({@link #withCall}; default: OpenAI with the
 * key in {@code OPENAI_API_KEY} and no budget): its connection, budget, retries and cost cap are
 * the enrichment's. The wrapped call must not have a result journal ({@link OpenAiCall#withJournal}): it would
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

  /** What an enrichment is made of; every {@code with*} sets one field. */
  @AutoValue
  abstract static class Configuration<T, OutT> implements Serializable {
    abstract @Nullable RequestFn<T> requestFn();

    abstract @Nullable JoinFn<T, OutT> joinFn();

    abstract @Nullable RowEnricher rowEnricher();

    abstract OpenAiCall call();

    abstract @Nullable SerializableFunction<T, String> idFn();

    abstract @Nullable Coder<T> inputCoder();

    abstract @Nullable Coder<OutT> outputCoder();

    abstract Builder<T, OutT> toBuilder();

    static <T, OutT> Builder<T, OutT> builder() {
      return new AutoValue_OpenAiEnrichment_Configuration.Builder<T, OutT>()
          .setCall(OpenAiCall.of(OpenAiConnection.openAi()));
    }

    @AutoValue.Builder
    abstract static class Builder<T, OutT> {
      abstract Builder<T, OutT> setRequestFn(@Nullable RequestFn<T> v);

      abstract Builder<T, OutT> setJoinFn(@Nullable JoinFn<T, OutT> v);

      abstract Builder<T, OutT> setRowEnricher(@Nullable RowEnricher v);

      abstract Builder<T, OutT> setCall(OpenAiCall v);

      abstract Builder<T, OutT> setIdFn(@Nullable SerializableFunction<T, String> v);

      abstract Builder<T, OutT> setInputCoder(@Nullable Coder<T> v);

      abstract Builder<T, OutT> setOutputCoder(@Nullable Coder<OutT> v);

      abstract Configuration<T, OutT> build();
    }
  }

  private final Configuration<T, OutT> configuration;

  private OpenAiEnrichment(Configuration<T, OutT> configuration) {
    this.configuration = configuration;
  }

  /** Enrichment with your own request and join functions; calls go to OpenAI by default. */
  public static <T, OutT> OpenAiEnrichment<T, OutT> of(
      RequestFn<T> requestFn, JoinFn<T, OutT> joinFn) {
    return new OpenAiEnrichment<>(
        Configuration.<T, OutT>builder()
            .setRequestFn(Preconditions.checkNotNull(requestFn, "requestFn"))
            .setJoinFn(Preconditions.checkNotNull(joinFn, "joinFn"))
            .build());
  }

  /**
   * Enrichment of schema'd {@link Row}s by a ready-made {@link RowEnricher} ({@link RowChat},
   * {@link RowEmbeddings}); the output rows' schema is derived from the input's.
   */
  public static OpenAiEnrichment<Row, Row> rows(RowEnricher enricher) {
    return new OpenAiEnrichment<>(
        Configuration.<Row, Row>builder()
            .setRowEnricher(Preconditions.checkNotNull(enricher, "enricher"))
            .build());
  }

  private OpenAiEnrichment<T, OutT> with(Configuration.Builder<T, OutT> b) {
    return new OpenAiEnrichment<>(b.build());
  }

  /**
   * The call that answers the elements (connection, budget, retries, cost cap), which must not have
   * a result journal.
   */
  public OpenAiEnrichment<T, OutT> withCall(OpenAiCall call) {
    return with(configuration.toBuilder().setCall(Preconditions.checkNotNull(call, "call")));
  }

  /** Id of each element's request; default: a hash of the encoded element. */
  public OpenAiEnrichment<T, OutT> withIdFn(SerializableFunction<T, String> idFn) {
    return with(configuration.toBuilder().setIdFn(Preconditions.checkNotNull(idFn)));
  }

  /** The coder the elements are carried with; default: the input PCollection's. */
  public OpenAiEnrichment<T, OutT> withInputCoder(Coder<T> coder) {
    return with(configuration.toBuilder().setInputCoder(Preconditions.checkNotNull(coder)));
  }

  public OpenAiEnrichment<T, OutT> withOutputCoder(Coder<OutT> coder) {
    return with(configuration.toBuilder().setOutputCoder(Preconditions.checkNotNull(coder)));
  }

  @Override
  public void validate(@Nullable PipelineOptions options) {
    super.validate(options);
    checkNoJournal();
    configuration.call().validate(options);
  }

  private void checkNoJournal() {
    Preconditions.checkArgument(
        !configuration.call().hasJournal(),
        "OpenAiEnrichment cannot wrap a call with a result journal (withJournal): the journal"
            + " would write every element it carries to disk; use a call without one");
  }

  @Override
  @SuppressWarnings("unchecked")
  public Result<T, OutT> expand(PCollection<T> input) {
    checkNoJournal();
    RequestFn<T> buildFn = configuration.requestFn();
    JoinFn<T, OutT> join = configuration.joinFn();
    Coder<OutT> outCoder = configuration.outputCoder();
    RowEnricher enricher = configuration.rowEnricher();
    if (enricher != null) {
      Preconditions.checkArgument(
          input.hasSchema(), "OpenAiEnrichment.rows needs input with a schema (setRowSchema)");
      Schema outSchema = enricher.outputSchema(input.getSchema());
      buildFn = (RequestFn<T>) (RequestFn<Row>) enricher::request;
      join = (JoinFn<T, OutT>) (JoinFn<Row, Row>) (row, r) -> enricher.join(row, r, outSchema);
      outCoder = (Coder<OutT>) (Coder<?>) SchemaCoder.of(outSchema);
    }
    Coder<T> carried = configuration.inputCoder() != null ? configuration.inputCoder() : input.getCoder();

    TupleTag<ApiRequest> requestsTag = new TupleTag<ApiRequest>() {};
    TupleTag<EnrichmentFailure<T>> buildFailedTag = new TupleTag<EnrichmentFailure<T>>() {};
    PCollectionTuple built =
        input.apply(
            "BuildRequests",
            ParDo.of(new EnrichmentSteps.BuildRequestsFn<>(
                    buildFn, configuration.idFn(), carried, requestsTag, buildFailedTag))
                .withOutputTags(requestsTag, TupleTagList.of(buildFailedTag)));
    built.get(requestsTag).setCoder(ApiRequest.Coder.of());
    EnrichmentFailure.Coder<T> failureCoder = EnrichmentFailure.Coder.of(carried);
    built.get(buildFailedTag).setCoder(failureCoder);

    ApiResult called = built.get(requestsTag).apply("CallOpenAi", configuration.call());

    TupleTag<OutT> enrichedTag = new TupleTag<OutT>() {};
    TupleTag<EnrichmentFailure<T>> joinFailedTag = new TupleTag<EnrichmentFailure<T>>() {};
    PCollectionTuple joined =
        called
            .getResponses()
            .apply(
                "JoinAnswers",
                ParDo.of(new EnrichmentSteps.JoinAnswersFn<>(join, carried, enrichedTag, joinFailedTag))
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
            .apply("RestoreInputs", ParDo.of(new EnrichmentSteps.RestoreInputFn<>(carried)))
            .setCoder(failureCoder);
    PCollection<EnrichmentFailure<T>> failures =
        PCollectionList.of(built.get(buildFailedTag))
            .and(callFailed)
            .and(joined.get(joinFailedTag))
            .apply("AllFailures", Flatten.pCollections())
            .setCoder(failureCoder);
    return new Result<>(enrichedTag, enriched, new TupleTag<EnrichmentFailure<T>>() {}, failures);
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
    if (configuration.rowEnricher() != null) {
      builder.add(DisplayData.item("rowEnricher", configuration.rowEnricher().describe())
          .withLabel("Row enricher"));
    } else {
      builder.add(DisplayData.item("requestFn", configuration.requestFn().getClass())
          .withLabel("Request function"));
      builder.add(DisplayData.item("joinFn", configuration.joinFn().getClass())
          .withLabel("Join function"));
    }
    builder.include("call", configuration.call());
  }

  /**
   * The enriched elements and the failures of an {@link OpenAiEnrichment}, built like {@link
   * ApiResult}: two PCollections under tags made per transform instance.
   */
  public static final class Result<T, OutT> implements POutput {
    private final TupleTag<OutT> enrichedTag;
    private final PCollection<OutT> enriched;
    private final TupleTag<EnrichmentFailure<T>> failuresTag;
    private final PCollection<EnrichmentFailure<T>> failures;

    Result(
        TupleTag<OutT> enrichedTag,
        PCollection<OutT> enriched,
        TupleTag<EnrichmentFailure<T>> failuresTag,
        PCollection<EnrichmentFailure<T>> failures) {
      this.enrichedTag = enrichedTag;
      this.enriched = enriched;
      this.failuresTag = failuresTag;
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
      return enriched.getPipeline();
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
