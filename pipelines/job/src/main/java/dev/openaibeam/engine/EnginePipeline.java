package dev.openaibeam.engine;

import com.google.common.base.Strings;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.call.OpenAiCall;
import dev.openaibeam.jsonl.JsonlRequests;
import dev.openaibeam.jsonl.OutputFormat;
import dev.openaibeam.pipeline.OpenAiBeamPipeline;
import java.time.Duration;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;

/**
 * The engine's streaming pipeline: requests from the requests topic (and, with {@code --input},
 * from new files in a watched folder), the same {@code OpenAiCall} as the batch job (the options'
 * connection, key pool, limits and budget), answers to the results topic and failures (malformed
 * records and lines included) to the failures topic, each keyed by its row's id.
 *
 * <p>With {@code --pubsubRequests} (Dataflow) the requests come from a Pub/Sub subscription and the
 * answers go to two Pub/Sub topics instead.
 *
 * <p>Waiting for budget blocks the calling step, and so holds back the source: backpressure, with
 * the waiting requests left in Kafka (or in their files), never a timeout.
 */
public final class EnginePipeline {
  private EnginePipeline() {}

  public static void build(Pipeline p, EngineOptions o) {
    OutputFormat format = OutputFormat.parse(o.getOutputFormat());
    boolean pubsub = !Strings.isNullOrEmpty(o.getPubsubRequests());
    if (pubsub && (Strings.isNullOrEmpty(o.getPubsubResults()) || Strings.isNullOrEmpty(o.getPubsubFailures()))) {
      throw new IllegalArgumentException("--pubsubRequests needs --pubsubResults and --pubsubFailures");
    }
    WithFailures.Result<PCollection<ApiRequest>, ApiFailure> fromTopic = pubsub
        ? p.apply("Requests", PubsubRequests.from(o.getPubsubRequests()).withDefaultEndpoint(o.getApiEndpoint()))
        : p.apply("Requests", KafkaRequests.from(o.getBootstrapServers(), o.getRequestsTopic())
            .withGroup(o.getConsumerGroup())
            .withDefaultEndpoint(o.getApiEndpoint())
            .withReadCommitted(o.getExactlyOnce()));
    PCollectionList<ApiRequest> requests = PCollectionList.of(fromTopic.output());
    PCollectionList<ApiFailure> malformed = PCollectionList.of(fromTopic.failures());
    if (!Strings.isNullOrEmpty(o.getInput())) {
      WithFailures.Result<PCollection<ApiRequest>, ApiFailure> fromFiles =
          p.apply("WatchedFiles", JsonlRequests.read(o.getInput())
              .withDefaultEndpoint(o.getApiEndpoint())
              .continuously(Duration.ofSeconds(Math.max(1, o.getWatchIntervalSeconds()))));
      requests = requests.and(fromFiles.output());
      malformed = malformed.and(fromFiles.failures());
    }
    ApiResult called =
        requests.apply("AllRequests", Flatten.pCollections())
            .apply("Answer", call(o));
    PCollection<ApiFailure> failures =
        malformed.and(called.getFailures()).apply("AllFailures", Flatten.pCollections());
    if (pubsub) {
      PubsubAnswers.to(o.getPubsubResults(), o.getPubsubFailures()).withFormat(format)
          .writeAll(ApiResult.of(called.getResponses(), failures));
      return;
    }
    KafkaAnswers.to(o.getBootstrapServers(), o.getResultsTopic(), o.getFailuresTopic())
        .withFormat(format)
        .withExactlyOnce(o.getExactlyOnce() ? Math.max(1, o.getBudgetShards()) : 0)
        .writeAll(ApiResult.of(called.getResponses(), failures));
  }

  /**
   * The batch job's call; with {@code --journal} each answer is journaled as it arrives, so a
   * worker restarted from a checkpoint replays the answers paid for since instead of calling again
   * (replayed by id: the front door's ids are unique, a producer's must be too).
   */
  private static OpenAiCall call(EngineOptions o) {
    OpenAiCall call = OpenAiBeamPipeline.callFrom(o);
    return Strings.isNullOrEmpty(o.getJournal()) ? call : call.withJournal(OpenAiBeamPipeline.journal(o));
  }
}
