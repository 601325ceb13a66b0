package dev.openaibeam.engine;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.jsonl.OutputFormat;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubIO;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessage;
import org.apache.beam.sdk.io.gcp.pubsub.PubsubMessageWithAttributesCoder;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PDone;
import org.apache.beam.sdk.values.TypeDescriptor;

/**
 * Writes answers to two Pub/Sub topics (Dataflow's streaming sink), each message carrying its row's
 * id in the {@value PubsubRequests#ID_ATTRIBUTE} attribute: result lines to one, failure lines to
 * the other, as {@link KafkaAnswers} does for Kafka.
 */
public final class PubsubAnswers implements java.io.Serializable {
  private final String resultsTopic;
  private final String failuresTopic;
  private final OutputFormat format;

  private PubsubAnswers(String resultsTopic, String failuresTopic, OutputFormat format) {
    this.resultsTopic = resultsTopic;
    this.failuresTopic = failuresTopic;
    this.format = format;
  }

  public static PubsubAnswers to(String resultsTopic, String failuresTopic) {
    return new PubsubAnswers(resultsTopic, failuresTopic, OutputFormat.NATIVE);
  }

  public PubsubAnswers withFormat(OutputFormat format) {
    return new PubsubAnswers(resultsTopic, failuresTopic, format);
  }

  public PDone writeAll(ApiResult result) {
    OutputFormat f = format;
    result.getResponses()
        .apply("ResultMessages", MapElements.into(TypeDescriptor.of(PubsubMessage.class))
            .via((ApiResponse r) -> message(r.getRequest().getId(), f.resultLine(r))))
        .setCoder(PubsubMessageWithAttributesCoder.of())
        .apply("WriteResults", PubsubIO.writeMessages().to(resultsTopic));
    result.getFailures()
        .apply("FailureMessages", MapElements.into(TypeDescriptor.of(PubsubMessage.class))
            .via((ApiFailure x) -> message(x.getRequest().getId(), f.failureLine(x))))
        .setCoder(PubsubMessageWithAttributesCoder.of())
        .apply("WriteFailures", PubsubIO.writeMessages().to(failuresTopic));
    return PDone.in(result.getPipeline());
  }

  private static PubsubMessage message(String id, String line) {
    return new PubsubMessage(line.getBytes(StandardCharsets.UTF_8), Map.of(PubsubRequests.ID_ATTRIBUTE, id));
  }
}
