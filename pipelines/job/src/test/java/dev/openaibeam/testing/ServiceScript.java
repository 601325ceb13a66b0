package dev.openaibeam.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A service script of {@code run-scripts/} ({@code flink-cluster.sh}, {@code kafka.sh}) run the way a
 * user runs it, with its environment, each command's output kept in the work directory; and
 * {@code stop} run when the test JVM exits, so a test killed by a timeout leaves no service behind.
 */
public final class ServiceScript implements AutoCloseable {
  private final Path script;
  private final Path workDir;
  private final Map<String, String> env;
  private final Thread stopOnExit;

  public ServiceScript(Path script, Path workDir, Map<String, String> env) {
    this.script = script;
    this.workDir = workDir;
    this.env = Map.copyOf(env);
    this.stopOnExit = new Thread(this::stopQuietly, "stop-" + script.getFileName());
    Runtime.getRuntime().addShutdownHook(stopOnExit);
  }

  /**
   * Runs {@code command} and returns what it printed; a non-zero exit fails, but for {@code
   * status}, whose exit code says whether the service runs.
   */
  public String run(Duration timeout, String command) throws IOException, InterruptedException {
    ProcessBuilder pb = new ProcessBuilder(script.toString(), command).redirectErrorStream(true);
    pb.environment().putAll(env);
    Files.createDirectories(workDir);
    Path log = workDir.resolve("script-" + command + ".out");
    pb.redirectOutput(log.toFile());
    Process p = pb.start();
    p.getOutputStream().close();
    boolean done = p.waitFor(timeout.toSeconds(), TimeUnit.SECONDS);
    String out = Files.readString(log, StandardCharsets.UTF_8);
    String name = script.getFileName() + " " + command;
    if (!done) {
      p.destroyForcibly();
      throw new IllegalStateException(name + " timed out after " + timeout + ":\n" + out);
    }
    if (p.exitValue() != 0 && !command.equals("status")) {
      throw new IllegalStateException(name + " exited " + p.exitValue() + ":\n" + out);
    }
    return out;
  }

  /** Runs {@code stop}, reporting instead of throwing. */
  public void stopQuietly() {
    try {
      run(Duration.ofSeconds(60), "stop");
    } catch (IOException | InterruptedException | RuntimeException e) {
      System.err.println(script.getFileName() + " stop failed: " + e);
    }
  }

  /** Stops the service now. */
  @Override
  public void close() {
    stopQuietly();
    try {
      Runtime.getRuntime().removeShutdownHook(stopOnExit);
    } catch (IllegalStateException alreadyShuttingDown) {
      // the hook is running or ran
    }
  }
}
