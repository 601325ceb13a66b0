package dev.openaibeam.flink;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.testing.ServiceScript;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A Flink session cluster started and stopped through {@code run-scripts/flink-cluster.sh} (so the
 * test exercises the script users run), with the REST calls the test needs. Closing stops it.
 */
public final class FlinkSessionCluster implements AutoCloseable {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final Path workDir;
  private final int taskManagers;
  private final HttpClient http =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
  private final ServiceScript script;
  private int restPort;

  private FlinkSessionCluster(Path root, Path workDir, int taskManagers) {
    this.workDir = workDir;
    this.taskManagers = taskManagers;
    this.script = new ServiceScript(root.resolve("run-scripts/flink-cluster.sh"), workDir,
        Map.of("FLINK_CLUSTER_DIR", workDir.toString(), "FLINK_REST_PORT", "0",
            "FLINK_TASKMANAGERS", Integer.toString(taskManagers)));
  }

  /** Starts a cluster of {@code taskManagers} TaskManagers in {@code workDir}, REST on a free port. */
  public static FlinkSessionCluster start(Path root, Path workDir, int taskManagers, Duration timeout)
      throws IOException, InterruptedException {
    FlinkSessionCluster c = new FlinkSessionCluster(root, workDir, taskManagers);
    String out = c.script.run(timeout, "start");
    if (!c.script.run(Duration.ofSeconds(30), "status").contains("taskmanagers registered " + taskManagers)) {
      c.script.stopQuietly();
      throw new IllegalStateException("cluster did not come up:\n" + out);
    }
    c.restPort = Integer.parseInt(c.script.run(Duration.ofSeconds(10), "port").trim());
    return c;
  }

  public int restPort() {
    return restPort;
  }

  public String master() {
    return "127.0.0.1:" + restPort;
  }

  public Path logDir() {
    return workDir.resolve("log");
  }

  /** The pid the script recorded for {@code name} (jobmanager, taskmanager-1, ...). */
  public long pid(String name) throws IOException {
    return Long.parseLong(Files.readString(workDir.resolve(name + ".pid")).trim());
  }

  public List<String> taskManagerNames() {
    List<String> names = new ArrayList<>();
    for (int i = 1; i <= taskManagers; i++) {
      names.add("taskmanager-" + i);
    }
    return names;
  }

  public JsonNode get(String path) throws IOException, InterruptedException {
    HttpResponse<String> r = http.send(
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + restPort + path))
            .timeout(Duration.ofSeconds(30)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
    if (r.statusCode() != 200) {
      throw new IOException("GET " + path + ": " + r.statusCode() + " " + r.body());
    }
    return JSON.readTree(r.body());
  }

  @Override
  public void close() {
    script.close();
  }
}
