package dev.openaibeam.engine;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.jsonl.ParsedLine;
import dev.openaibeam.jsonl.ParsedRequests;
import dev.openaibeam.jsonl.RequestLineParser;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubIO;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;

/**
 * Requests from a Pub/Sub subscription (Dataflow's streaming source), as {@link KafkaRequests}
 * reads a topic: each message's data is one request line; its id is the line's {@code custom_id},
 * else the message's {@value #ID_ATTRIBUTE} attribute, else the message id.
 *
 * <pre>{@code
 * pipeline.apply(PubsubRequests.from("projects/P/subscriptions/openai-requests"));
 * }</pre>
 */
public final class PubsubRequests
    extends PTransform<PBegin, WithFailures.Result<PCollection<ApiRequest>, ApiFailure>> {
  public static final String ID_ATTRIBUTE = "id";

  private final String subscription;
  private final String defaultEndpoint;

  private PubsubRequests(String subscription, String defaultEndpoint) {
    this.subscription = subscription;
    this.defaultEndpoint = defaultEndpoint;
  }

  public static PubsubRequests from(String subscription) {
    return new PubsubRequests(subscription, "/v1/chat/completions");
  }

  public PubsubRequests withDefaultEndpoint(String endpoint) {
    return new PubsubRequests(subscription, endpoint);
  }

  @Override
  public WithFailures.Result<PCollection<ApiRequest>, ApiFailure> expand(PBegin input) {
    RequestLineParser parser = RequestLineParser.of(defaultEndpoint);
    return ParsedRequests.parse(
        input.apply("ReadSubscription",
            PubsubIO.readMessagesWithAttributesAndMessageId().fromSubscription(subscription)),
        "ParseMessages",
        (requests, failures) -> new ParseMessageFn(parser, requests, failures));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder.add(DisplayData.item("subscription", subscription))
        .add(DisplayData.item("defaultEndpoint", defaultEndpoint));
  }

  static final class ParseMessageFn extends DoFn<PubsubMessage, ApiRequest> {
    private final RequestLineParser parser;
    private final TupleTag<ApiRequest> requests;
    private final TupleTag<ApiFailure> failures;
    private final Counter read = Metrics.counter(KafkaRequests.NAMESPACE, KafkaRequests.RECORDS_READ);
    private final Counter malformed =
        Metrics.counter(KafkaRequests.NAMESPACE, KafkaRequests.RECORDS_MALFORMED);

    ParseMessageFn(RequestLineParser parser, TupleTag<ApiRequest> requests, TupleTag<ApiFailure> failures) {
      this.parser = parser;
      this.requests = requests;
      this.failures = failures;
    }

    @ProcessElement
    public void process(@Element PubsubMessage m, MultiOutputReceiver out) {
      read.inc();
      String messageId = m.getMessageId() == null ? "" : m.getMessageId();
      String given = m.getAttribute(ID_ATTRIBUTE);
      String id = given == null || given.isEmpty() ? "pubsub-" + messageId : given;
      ParsedLine line = parser.parse("pubsub:" + messageId, id, m.getPayload());
      if (line.isRequest()) {
        out.get(requests).output(line.request());
      } else {
        malformed.inc();
        out.get(failures).output(line.failure());
      }
    }
  }
}
