package dev.openaibeam.engine;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.jsonl.ParsedLine;
import dev.openaibeam.jsonl.ParsedRequests;
import dev.openaibeam.jsonl.RequestLineParser;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.io.kafka.KafkaRecord;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.common.serialization.StringDeserializer;

/**
 * Requests from a Kafka topic: each record's value is one request line in either input format
 * (the cookbook's or the Batch API's, as in a JSONL file); its id is the line's {@code custom_id},
 * else the record's key, else {@code topic-partition:offset} (stable across replays). A value that
 * is not a request becomes a failure naming the record, as a malformed file line does.
 *
 * <pre>{@code
 * WithFailures.Result<PCollection<ApiRequest>, ApiFailure> requests =
 *     pipeline.apply(KafkaRequests.from("127.0.0.1:9092", "openai-requests").withGroup("engine"));
 * }</pre>
 */
public final class KafkaRequests
    extends PTransform<PBegin, WithFailures.Result<PCollection<ApiRequest>, ApiFailure>> {
  public static final String NAMESPACE = "openai-beam-engine";
  public static final String RECORDS_READ = "records_read";
  public static final String RECORDS_MALFORMED = "records_malformed";

  private final String bootstrapServers;
  private final String topic;
  private final String group;
  private final String defaultEndpoint;
  private final boolean readCommitted;

  private KafkaRequests(
      String bootstrapServers, String topic, String group, String defaultEndpoint, boolean readCommitted) {
    this.bootstrapServers = bootstrapServers;
    this.topic = topic;
    this.group = group;
    this.defaultEndpoint = defaultEndpoint;
    this.readCommitted = readCommitted;
  }

  public static KafkaRequests from(String bootstrapServers, String topic) {
    return new KafkaRequests(bootstrapServers, topic, "openai-beam-engine", "/v1/chat/completions", false);
  }

  /** The consumer group whose offsets are committed when Beam finalizes a checkpoint. */
  public KafkaRequests withGroup(String group) {
    return new KafkaRequests(bootstrapServers, topic, group, defaultEndpoint, readCommitted);
  }

  public KafkaRequests withDefaultEndpoint(String endpoint) {
    return new KafkaRequests(bootstrapServers, topic, group, endpoint, readCommitted);
  }

  /** Reads only committed records (requests written in transactions). */
  public KafkaRequests withReadCommitted(boolean readCommitted) {
    return new KafkaRequests(bootstrapServers, topic, group, defaultEndpoint, readCommitted);
  }

  @Override
  public WithFailures.Result<PCollection<ApiRequest>, ApiFailure> expand(PBegin input) {
    Map<String, Object> consumer = new HashMap<>();
    consumer.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    // A new group starts at the beginning: requests written before the engine started are answered.
    consumer.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    KafkaIO.Read<String, String> read =
        KafkaIO.<String, String>read()
            .withBootstrapServers(bootstrapServers)
            .withTopic(topic)
            .withKeyDeserializer(StringDeserializer.class)
            .withValueDeserializer(StringDeserializer.class)
            .withConsumerConfigUpdates(consumer)
            .commitOffsetsInFinalize();
    if (readCommitted) {
      read = read.withReadCommitted();
    }
    RequestLineParser parser = RequestLineParser.of(defaultEndpoint);
    return ParsedRequests.parse(input.apply("ReadTopic", read), "ParseRecords",
        (requests, failures) -> new ParseRecordFn(parser, requests, failures));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("bootstrapServers", bootstrapServers))
        .add(DisplayData.item("topic", topic))
        .add(DisplayData.item("group", group))
        .add(DisplayData.item("defaultEndpoint", defaultEndpoint));
  }

  static final class ParseRecordFn extends DoFn<KafkaRecord<String, String>, ApiRequest> {
    private final RequestLineParser parser;
    private final TupleTag<ApiRequest> requests;
    private final TupleTag<ApiFailure> failures;
    private final Counter read = Metrics.counter(NAMESPACE, RECORDS_READ);
    private final Counter malformed = Metrics.counter(NAMESPACE, RECORDS_MALFORMED);

    ParseRecordFn(RequestLineParser parser, TupleTag<ApiRequest> requests, TupleTag<ApiFailure> failures) {
      this.parser = parser;
      this.requests = requests;
      this.failures = failures;
    }

    @ProcessElement
    public void process(@Element KafkaRecord<String, String> record, MultiOutputReceiver out) {
      read.inc();
      String position = record.getTopic() + "-" + record.getPartition() + ":" + record.getOffset();
      String value = record.getKV().getValue();
      String key = record.getKV().getKey();
      // A line that names no id takes the record's key, else its place in the topic.
      ParsedLine line = parser.parse(position, key == null || key.isEmpty() ? position : key,
          value == null ? new byte[0] : value.getBytes(StandardCharsets.UTF_8));
      if (line.isRequest()) {
        out.get(requests).output(line.request());
      } else {
        malformed.inc();
        out.get(failures).output(line.failure());
      }
    }
  }
}
