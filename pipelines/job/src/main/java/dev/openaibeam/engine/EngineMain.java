package dev.openaibeam.engine;

import dev.openaibeam.pipeline.RunLogging;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import org.apache.beam.sdk.PipelineResult;
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
    CountDownLatch stopped = new CountDownLatch(1);
    Thread hook = new Thread(() -> {
      System.err.println("openai-beam engine: stopping");
      engine.close();
      System.err.println("openai-beam engine: stopped");
      stopped.countDown();
    }, "engine-stop");
    Runtime.getRuntime().addShutdownHook(hook);
    System.err.println("openai-beam engine: up; requests topic " + o.getRequestsTopic() + " at "
        + o.getBootstrapServers() + (engine.frontDoor() == null ? ""
        : "; front door http://127.0.0.1:" + engine.frontDoor().port() + "/v1"
        + " (metrics /metrics, health /health)"));
    PipelineResult.State state = engine.pipeline().waitUntilFinish();
    // The pipeline ended without a stop: say so and exit (the hook closes the front door).
    System.err.println("openai-beam engine: the pipeline ended: " + state);
    System.exit(1);
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
