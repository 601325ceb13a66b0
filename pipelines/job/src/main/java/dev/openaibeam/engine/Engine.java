package dev.openaibeam.engine;

import dev.openaibeam.call.LocalProgress;
import dev.openaibeam.connection.OpenAiClient;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.engine.frontdoor.FrontDoor;
import dev.openaibeam.engine.frontdoor.FrontDoorConfig;
import dev.openaibeam.pipeline.ConnectionOptions;
import dev.openaibeam.transport.Backoff;
import dev.openaibeam.transport.HttpTransport;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.beam.runners.flink.FlinkPipelineOptions;
import org.apache.beam.runners.flink.FlinkRunner;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.PipelineResult;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.metrics.MetricResult;
import org.apache.beam.sdk.metrics.MetricsFilter;
import org.checkerframework.checker.nullness.qual.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The running engine: the streaming pipeline (submitted, not waited for) and the front door. Made
 * by {@link #start}; {@link #close} stops both (the front door first, so no request is taken that
 * the pipeline will not see, then the pipeline is cancelled; requests left on the topic are read
 * by the next start, from the group's committed offsets).
 */
public final class Engine implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(Engine.class);
  static final int TOPIC_PARTITIONS = 4;

  private final PipelineResult pipeline;
  private final @Nullable FrontDoor frontDoor;
  private final Cached<Map<String, Long>> counters;

  private Engine(PipelineResult pipeline, @Nullable FrontDoor frontDoor, Cached<Map<String, Long>> counters) {
    this.pipeline = pipeline;
    this.frontDoor = frontDoor;
    this.counters = counters;
  }

  /**
   * Applies the engine's defaults to options the user did not give: streaming, Flink in local mode,
   * detached submission (the engine keeps running while the job runs), a checkpoint every 10 s
   * (which commits the consumed offsets of the requests topic). Bundles keep Beam's sizes: the
   * calling step emits each answer as it arrives (from a timer), not at its bundle's end.
   */
  public static void defaults(EngineOptions o, java.util.Set<String> given) {
    o.as(org.apache.beam.sdk.options.StreamingOptions.class).setStreaming(true);
    if (!given.contains("runner")) {
      o.setRunner(FlinkRunner.class);
    }
    FlinkPipelineOptions flink = o.as(FlinkPipelineOptions.class);
    if (!given.contains("flinkMaster")) {
      flink.setFlinkMaster("[local]");
    }
    flink.setAttachedMode(false);
    if (!given.contains("flinkConfDir")) {
      flink.setFlinkConfDir(lowLatencyConf());
    }
    // Checkpoints commit the requests topic's offsets (KafkaIO commits them when a checkpoint is
    // finalized): without them a restarted engine would read, and pay for, every request again.
    if (!given.contains("checkpointingInterval")) {
      flink.setCheckpointingInterval(10_000L);
    }
    // Waiting for budget backs requests up in Flink's buffers; an aligned barrier would wait behind
    // all of them (no checkpoint for as long as the backlog lasts, and a restart from far back).
    // Not under --exactlyOnce: KafkaIO's transactional sink stalled with unaligned checkpoints
    // (43 of 1,000 answers in 5 minutes, StreamingLostTaskManagerIT).
    if (!given.contains("unalignedCheckpointEnabled") && !o.getExactlyOnce()) {
      flink.setUnalignedCheckpointEnabled(true);
    }
  }

  /**
   * A Flink configuration whose network buffers are flushed after 1 ms instead of Flink's 100 ms,
   * so a request crosses the shuffle in front of the calling step without waiting for a full buffer
   * (measured here: the added latency of one request at a time went from 105 ms to 32 ms at p50).
   */
  static String lowLatencyConf() {
    try {
      Path dir = Files.createTempDirectory("openai-beam-engine-flink-conf");
      Path conf = dir.resolve("config.yaml");
      Files.writeString(conf, "execution.buffer-timeout.interval: 1 ms\n", StandardCharsets.UTF_8);
      conf.toFile().deleteOnExit();
      dir.toFile().deleteOnExit();
      return dir.toString();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Creates the topics, submits the pipeline and opens the front door. */
  public static Engine start(EngineOptions o) throws IOException {
    FileSystems.setDefaultPipelineOptions(o);
    EngineTopics.ensure(o.getBootstrapServers(), TOPIC_PARTITIONS,
        o.getRequestsTopic(), o.getResultsTopic(), o.getFailuresTopic());
    Pipeline p = Pipeline.create(o);
    EnginePipeline.build(p, o);
    PipelineResult result = p.run();
    Cached<Map<String, Long>> counters = new Cached<>(5_000, () -> counters(result));
    FrontDoor door = null;
    if (o.getFrontDoorPort() >= 0) {
      Cached<String> health = new Cached<>(1_000, () -> health(result));
      Cached<String> models = new Cached<>(60_000, () -> models(o));
      door = FrontDoor.start(
          new FrontDoorConfig(o.getFrontDoorPort(), o.getBootstrapServers(), o.getRequestsTopic(),
              o.getResultsTopic(), o.getFailuresTopic(), o.getMaxConcurrentRequests(),
              o.getMaxQueueSeconds(), o.getRpm() * o.getHeadroom(), o.getAnswerTimeoutSeconds()),
          counters::get, health::get, models::get);
    }
    Engine engine = new Engine(result, door, counters);
    if (o.getPortsFile() != null) {
      Path tmp = Path.of(o.getPortsFile() + ".tmp");
      Files.writeString(tmp, "frontDoorPort=" + (door == null ? -1 : door.port()) + "\n",
          StandardCharsets.UTF_8);
      Files.move(tmp, Path.of(o.getPortsFile()), java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }
    return engine;
  }

  public PipelineResult pipeline() {
    return pipeline;
  }

  public @Nullable FrontDoor frontDoor() {
    return frontDoor;
  }

  /** The pipeline's counters, {@code namespace:name} to the value summed over its steps. */
  public Map<String, Long> counters() {
    return counters.get();
  }

  @Override
  public void close() {
    if (frontDoor != null) {
      frontDoor.close();
    }
    try {
      pipeline.cancel();
    } catch (IOException | RuntimeException e) {
      LOG.warn("engine: cancelling the pipeline: {}", e.toString());
    }
  }

  private static Map<String, Long> counters(PipelineResult result) {
    Map<String, Long> out = new TreeMap<>();
    try {
      for (MetricResult<Long> c : result.metrics().queryMetrics(MetricsFilter.builder().build()).getCounters()) {
        out.merge(c.getName().getNamespace() + ":" + c.getName().getName(), c.getAttempted(), Long::sum);
      }
    } catch (RuntimeException e) {
      // not available (yet, or not from a detached job): the next scrape tries again
    }
    // Flink in local mode runs the calls in this JVM: the calling step's own live counters.
    out.putIfAbsent("openai:requests", LocalProgress.rows());
    out.putIfAbsent("openai:succeeded", LocalProgress.succeeded());
    out.putIfAbsent("openai:failed", LocalProgress.failed());
    out.putIfAbsent("openai:rate_limited_upstream", LocalProgress.rateLimited());
    out.put("openai:in_flight", LocalProgress.inFlight());
    return out;
  }

  private static @Nullable String health(PipelineResult result) {
    try {
      PipelineResult.State state = result.getState();
      return state == PipelineResult.State.RUNNING || state == PipelineResult.State.UNKNOWN
          ? null : "the pipeline is " + state;
    } catch (RuntimeException e) {
      return "the pipeline's state cannot be read: " + e.getMessage();
    }
  }

  /** The upstream's model list, through the first connection (the key read here, never shown). */
  private static @Nullable String models(EngineOptions o) {
    OpenAiConnection c = ConnectionOptions.poolFrom(o).getMembers().get(0).getConnection();
    try (OpenAiClient client = OpenAiClient.open(c, 1)) {
      return client.blocking(Backoff.standard(), 2)
          .call("list models", () -> client.get("/models"), HttpTransport.Expect.JSON_OBJECT).body();
    } catch (RuntimeException e) {
      LOG.warn("engine: cannot list the upstream's models: {}", e.toString());
      return null;
    }
  }

  /** A value computed at most once per {@code millis}. */
  private static final class Cached<T> {
    private final long millis;
    private final java.util.function.Supplier<T> compute;
    private final AtomicReference<T> value = new AtomicReference<>();
    private volatile long at;

    Cached(long millis, java.util.function.Supplier<T> compute) {
      this.millis = millis;
      this.compute = compute;
    }

    synchronized T get() {
      long now = System.currentTimeMillis();
      if (at == 0 || now - at >= millis) {
        value.set(compute.get());
        at = now;
      }
      return value.get();
    }
  }
}
