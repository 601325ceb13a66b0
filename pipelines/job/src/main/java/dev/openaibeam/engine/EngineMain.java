package dev.openaibeam.engine;

import dev.openaibeam.pipeline.RunLogging;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Command line entry of the engine ({@code run-scripts/launch-engine.sh} runs it): starts the
 * streaming pipeline and the front door and runs until SIGTERM (or Ctrl-C), which stops both. Exits
 * 0 after a stop, 1 when the pipeline ended by itself (failed) or could not start.
 */
public final class EngineMain {
  private EngineMain() {}

  public static void main(String[] args) throws Exception {
    String[] rest = RunLogging.configure(args);
    // KafkaIO records lineage while Flink splits the source, outside any step: Beam logs that as an
    // error with a stack trace; it is harmless.
    System.setProperty("org.slf4j.simpleLogger.log.org.apache.beam.sdk.metrics.MetricsEnvironment", "off");
    PipelineOptionsFactory.register(EngineOptions.class);
    EngineOptions o = PipelineOptionsFactory.fromArgs(rest).as(EngineOptions.class);
    Engine.defaults(o, given(rest));
    Engine engine;
    try {
      engine = Engine.start(o);
    } catch (RuntimeException | java.io.IOException e) {
      System.err.println("openai-beam engine: cannot start: " + e.getMessage());
      System.exit(1);
      return;
    }
    AtomicBoolean stopping = new AtomicBoolean();
    Thread hook = new Thread(() -> {
      stopping.set(true);
      System.err.println("openai-beam engine: stopping");
      engine.close();
      System.err.println("openai-beam engine: stopped");
    }, "engine-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    System.err.println("openai-beam engine: up; requests topic " + o.getRequestsTopic() + " at "
        + o.getBootstrapServers() + (engine.frontDoor() == null ? ""
        : "; front door http://127.0.0.1:" + engine.frontDoor().port() + "/v1"
        + " (metrics /metrics, health /health)"));
    String ended;
    try {
      ended = "the pipeline ended: " + engine.pipeline().waitUntilFinish();
    } catch (RuntimeException e) {
      // Flink's local cluster is gone once its job failed: the cause is in its log (--verbose).
      ended = "the pipeline failed (a rejected key or an exhausted quota stops it; --verbose shows"
          + " why): " + e.getMessage();
    }
    if (!stopping.get()) { // ended by itself, not by a stop (never System.exit inside a stop)
      System.err.println("openai-beam engine: " + ended);
      System.exit(1);
    }
  }

  static Set<String> given(String[] args) {
    Set<String> names = new HashSet<>();
    for (String a : args) {
      if (a.startsWith("--")) {
        int eq = a.indexOf('=');
        names.add(eq < 0 ? a.substring(2) : a.substring(2, eq));
      }
    }
    return names;
  }
}
