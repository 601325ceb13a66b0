package dev.openaibeam.engine;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.jsonl.OutputFormat;
import java.util.Map;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.kafka.KafkaIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PDone;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.StringSerializer;

/**
 * Writes answers to two Kafka topics, each record keyed by its row's id: result lines to the
 * results topic ({@link #results()}), failure lines (replayable as input) to the failures topic
 * ({@link #failures()}). With {@link #withExactlyOnce} the writes go through Kafka's transactions
 * (Beam's exactly-once sink), committed at each checkpoint.
 *
 * <pre>{@code
 * KafkaAnswers answers = KafkaAnswers.to("127.0.0.1:9092", "openai-results", "openai-failures");
 * answers.writeAll(result);   // an ApiResult: both topics
 * }</pre>
 */
public final class KafkaAnswers implements java.io.Serializable {
  public static final String RESULTS_WRITTEN = "results_written";
  public static final String FAILURES_WRITTEN = "failures_written";

  private final String bootstrapServers;
  private final String resultsTopic;
  private final String failuresTopic;
  private final OutputFormat format;
  private final int exactlyOnceShards;

  private KafkaAnswers(String bootstrapServers, String resultsTopic, String failuresTopic,
      OutputFormat format, int exactlyOnceShards) {
    this.bootstrapServers = bootstrapServers;
    this.resultsTopic = resultsTopic;
    this.failuresTopic = failuresTopic;
    this.format = format;
    this.exactlyOnceShards = exactlyOnceShards;
  }

  public static KafkaAnswers to(String bootstrapServers, String resultsTopic, String failuresTopic) {
    return new KafkaAnswers(bootstrapServers, resultsTopic, failuresTopic, OutputFormat.NATIVE, 0);
  }

  public KafkaAnswers withFormat(OutputFormat format) {
    return new KafkaAnswers(bootstrapServers, resultsTopic, failuresTopic, format, exactlyOnceShards);
  }

  /** Transactional writes by {@code shards} writers (0: plain, at-least-once writes). */
  public KafkaAnswers withExactlyOnce(int shards) {
    return new KafkaAnswers(bootstrapServers, resultsTopic, failuresTopic, format, shards);
  }

  /** Writes the responses and the failures of {@code result}. */
  public PDone writeAll(ApiResult result) {
    result.getResponses().apply("WriteResults", results());
    result.getFailures().apply("WriteFailures", failures());
    return PDone.in(result.getPipeline());
  }

  /** Result lines to the results topic. */
  public PTransform<PCollection<ApiResponse>, PDone> results() {
    return new PTransform<PCollection<ApiResponse>, PDone>() {
      @Override
      public PDone expand(PCollection<ApiResponse> responses) {
        return responses
            .apply("ResultRecords", ParDo.of(new ResultRecordFn(format)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
            .apply("ToTopic", write(resultsTopic, "results"));
      }

      @Override
      public void populateDisplayData(DisplayData.Builder builder) {
        super.populateDisplayData(builder);
        describe(builder);
      }
    };
  }

  /** Failure lines to the failures topic. */
  public PTransform<PCollection<ApiFailure>, PDone> failures() {
    return new PTransform<PCollection<ApiFailure>, PDone>() {
      @Override
      public PDone expand(PCollection<ApiFailure> failures) {
        return failures
            .apply("FailureRecords", ParDo.of(new FailureRecordFn(format)))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
            .apply("ToTopic", write(failuresTopic, "failures"));
      }

      @Override
      public void populateDisplayData(DisplayData.Builder builder) {
        super.populateDisplayData(builder);
        describe(builder);
      }
    };
  }

  private PTransform<PCollection<KV<String, String>>, PDone> write(String topic, String name) {
    KafkaIO.Write<String, String> w =
        KafkaIO.<String, String>write()
            .withBootstrapServers(bootstrapServers)
            .withTopic(topic)
            .withKeySerializer(StringSerializer.class)
            .withValueSerializer(StringSerializer.class)
            // An answer waits for nothing: sent as it comes (the front door is waiting for it).
            .withProducerConfigUpdates(Map.of(ProducerConfig.LINGER_MS_CONFIG, 0,
                ProducerConfig.ACKS_CONFIG, "all"));
    if (exactlyOnceShards > 0) {
      w = w.withEOS(exactlyOnceShards, "openai-beam-engine-" + name);
    }
    return w;
  }

  void describe(DisplayData.Builder builder) {
    builder
        .add(DisplayData.item("bootstrapServers", bootstrapServers))
        .add(DisplayData.item("resultsTopic", resultsTopic))
        .add(DisplayData.item("failuresTopic", failuresTopic))
        .add(DisplayData.item("format", format.name()))
        .add(DisplayData.item("exactlyOnceShards", exactlyOnceShards));
  }

  static final class ResultRecordFn extends DoFn<ApiResponse, KV<String, String>> {
    private final Counter written = Metrics.counter(KafkaRequests.NAMESPACE, RESULTS_WRITTEN);
    private final OutputFormat format;

    ResultRecordFn(OutputFormat format) {
      this.format = format;
    }

    @ProcessElement
    public void process(@Element ApiResponse r, OutputReceiver<KV<String, String>> out) {
      written.inc();
      out.output(KV.of(r.getRequest().getId(), format.resultLine(r)));
    }
  }

  static final class FailureRecordFn extends DoFn<ApiFailure, KV<String, String>> {
    private final Counter written = Metrics.counter(KafkaRequests.NAMESPACE, FAILURES_WRITTEN);
    private final OutputFormat format;

    FailureRecordFn(OutputFormat format) {
      this.format = format;
    }

    @ProcessElement
    public void process(@Element ApiFailure f, OutputReceiver<KV<String, String>> out) {
      written.inc();
      out.output(KV.of(f.getRequest().getId(), format.failureLine(f)));
    }
  }
}
