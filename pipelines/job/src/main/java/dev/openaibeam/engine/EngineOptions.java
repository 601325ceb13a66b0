package dev.openaibeam.engine;

import dev.openaibeam.pipeline.OpenAiBeamOptions;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;

/**
 * Options of the streaming engine: every option of the batch job (connection, keys, pool, limits,
 * retries, budget), plus where requests come from and answers go. {@code --input}, when given, is a
 * glob watched for new JSONL files; {@code --output}/{@code --failures} are not used (answers go to
 * the results and failures topics). No option holds a secret.
 */
public interface EngineOptions extends OpenAiBeamOptions {
  @Description("Kafka bootstrap servers (host:port,...)")
  @Default.String("127.0.0.1:9092")
  String getBootstrapServers();

  void setBootstrapServers(String value);

  @Description("Topic of the requests (key: the row's id; value: one request line, either input format)")
  @Default.String("openai-requests")
  String getRequestsTopic();

  void setRequestsTopic(String value);

  @Description("Topic of the answers (key: the row's id; value: its result line)")
  @Default.String("openai-results")
  String getResultsTopic();

  void setResultsTopic(String value);

  @Description("Topic of the failures (key: the row's id; value: its failure line, replayable)")
  @Default.String("openai-failures")
  String getFailuresTopic();

  void setFailuresTopic(String value);

  @Description("Consumer group of the engine's requests reader (offsets committed at checkpoints)")
  @Default.String("openai-beam-engine")
  String getConsumerGroup();

  void setConsumerGroup(String value);

  @Description("Read the requests topic with Kafka's transactions (exactly-once results; needs"
      + " checkpointing on Flink: --checkpointingInterval)")
  @Default.Boolean(false)
  boolean getExactlyOnce();

  void setExactlyOnce(boolean value);

  @Description("Read requests from this Pub/Sub subscription (projects/P/subscriptions/S) instead of"
      + " Kafka, and write answers to --pubsubResults and --pubsubFailures (Dataflow)")
  String getPubsubRequests();

  void setPubsubRequests(String value);

  @Description("Pub/Sub topic of the answers (projects/P/topics/T), with --pubsubRequests")
  String getPubsubResults();

  void setPubsubResults(String value);

  @Description("Pub/Sub topic of the failures (projects/P/topics/T), with --pubsubRequests")
  String getPubsubFailures();

  void setPubsubFailures(String value);

  @Description("Seconds between two looks at the watched --input glob")
  @Default.Integer(1)
  int getWatchIntervalSeconds();

  void setWatchIntervalSeconds(int value);

  @Description("Port of the front door, the OpenAI-compatible HTTP server on 127.0.0.1 (0: any free"
      + " port; -1: no front door)")
  @Default.Integer(8000)
  int getFrontDoorPort();

  void setFrontDoorPort(int value);

  @Description("Requests the front door holds at once (sent and not yet answered); beyond that it"
      + " answers 429 with retry-after")
  @Default.Integer(10_000)
  int getMaxConcurrentRequests();

  void setMaxConcurrentRequests(int value);

  @Description("Seconds a request may wait in the queue for budget; when the queue is longer than"
      + " the budget serves in this time the front door answers 429 with retry-after")
  @Default.Integer(60)
  int getMaxQueueSeconds();

  void setMaxQueueSeconds(int value);

  @Description("Seconds the front door waits for an answer before it answers 504 (the request"
      + " stays on the topic and its answer is still written to the results topic)")
  @Default.Integer(600)
  int getAnswerTimeoutSeconds();

  void setAnswerTimeoutSeconds(int value);

  @Description("Port of the metrics endpoint (/metrics, Prometheus text; /health) on 127.0.0.1"
      + " (0: any free port; -1: none)")
  @Default.Integer(9464)
  int getMetricsPort();

  void setMetricsPort(int value);

  @Description("File the engine writes its ports to once it is up (front door, metrics), for scripts")
  String getPortsFile();

  void setPortsFile(String value);
}
