package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Set;

/**
 * An OpenAI-compatible server for tests, benchmarks and the local demo, on 127.0.0.1 only: chat
 * completions, completions, embeddings and responses (streamed too), also under Azure's deployment
 * URLs; the models and their catalogue ({@link ModelCatalogue}); the service's checks of a
 * request ({@link RequestValidation}) and its tool calls ({@link ToolCalls}); per-key
 * request and token buckets; the service's rate-limit headers and error bodies; a latency model;
 * seeded faults (500, 503, connection reset, hang, truncated body); deterministic answers that
 * echo a digest of their request; the Files and Batches endpoints; and counters a test can read.
 *
 * <p>This class is the public face and the wiring: {@link HttpServer} (Netty) takes the
 * connections, {@link Router} routes and checks keys, {@link ApiCalls} answers the API calls with
 * {@link RateLimiter}, {@link FaultInjector} and {@link TokenCounter}, {@link BatchService} serves
 * files and batches, and {@link StatsRecorder} counts.
 */
public final class OpenAiEmulator implements AutoCloseable {
  private final StatsRecorder stats;
  private final RateLimiter limits;
  private final FaultInjector faults;
  private final BatchService batches;
  private final HttpServer server;

  private OpenAiEmulator(EmulatorConfig config) throws IOException {
    this.stats = new StatsRecorder(config.windowSeconds);
    this.limits = new RateLimiter(config);
    this.faults = new FaultInjector(config.faults);
    ModelCatalogue models = new ModelCatalogue(config.strictModels, config.models);
    this.batches = new BatchService(config.batch, models);
    ApiCalls api = new ApiCalls(config, stats, limits, faults, models);
    Router router = new Router(this, config, stats, batches, api, models);
    try {
      this.server = new HttpServer(config.port, router);
    } catch (IOException | RuntimeException e) {
      batches.close();
      throw e;
    }
  }

  public static OpenAiEmulator start(EmulatorConfig config) throws IOException {
    warmUp();
    return new OpenAiEmulator(config);
  }

  /**
   * Loads the tokenizers (and warms the answer code) before the first call: loading one takes a
   * second or more, and calls stalled behind it would reach the buckets all at once, which a real
   * service never does.
   */
  private static void warmUp() {
    for (int i = 0; i < 2_000; i++) {
      for (String model : new String[] {"gpt-4o-mini", "gpt-4"}) {
        String raw = "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"user\",\"content\":\"warm up "
            + i + "\"}],\"max_tokens\":5}";
        try {
          JsonNode body = Answers.JSON.readTree(raw);
          TokenCharge charge = TokenCounter.charge("/v1/chat/completions", body);
          Answers.answer("/v1/chat/completions", model, body, Answers.digest(raw), charge);
        } catch (IOException e) {
          throw new IllegalStateException(e);
        }
      }
    }
  }

  public int port() {
    return server.port();
  }

  /** {@code http://127.0.0.1:PORT/v1} */
  public String baseUrl() {
    return "http://127.0.0.1:" + port() + "/v1";
  }

  /** The first 16 hex digits of the SHA-256 of a request body, echoed in its answer. */
  public static String digest(String body) {
    return Answers.digest(body);
  }

  public EmulatorStats stats() {
    return stats.snapshot();
  }

  /** Changes the faults from now on (an outage that starts or ends). */
  public void setFaults(FaultPlan plan) {
    faults.setPlan(plan);
  }

  /** Zeroes the counters (each key's too), refills every bucket and restores every quota of calls. */
  public synchronized void resetStats() {
    stats.reset();
    batches.resetStats();
    limits.reset();
    faults.reset();
  }

  /** Digests of every request body received since the start or the last reset. */
  public Set<String> receivedDigests() {
    return faults.digests();
  }

  /** Counters of the Files and Batches endpoints (uploads, batches created, lines answered). */
  public BatchStats batchStats() {
    return batches.stats();
  }

  /** Changes how batches behave from now on (batches already past a step keep their timing). */
  public void setBatchBehaviour(BatchBehaviour behaviour) {
    batches.setBehaviour(behaviour);
  }

  @Override
  public void close() {
    server.close();
    batches.close();
  }

  /** Runs the emulator until killed; see {@link EmulatorConfig#fromArgs}. */
  public static void main(String[] args) throws Exception {
    EmulatorConfig cfg = EmulatorConfig.fromArgs(args);
    OpenAiEmulator emu = start(cfg);
    for (String a : args) {
      if (a.startsWith("--portFile=")) {
        // Written whole, then moved: a script polling for the file never reads half a number.
        Path p = Path.of(a.substring("--portFile=".length()));
        Path tmp = p.resolveSibling(p.getFileName() + ".tmp");
        Files.writeString(tmp, Integer.toString(emu.port()));
        Files.move(tmp, p, StandardCopyOption.ATOMIC_MOVE);
      }
    }
    System.out.println("emulator listening on " + emu.baseUrl() + " " + cfg);
    Thread.currentThread().join();
  }
}
