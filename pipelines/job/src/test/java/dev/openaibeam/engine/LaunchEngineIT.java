package dev.openaibeam.engine;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.testing.ProjectRoot;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * {@code run-scripts/launch-engine.sh} as a user runs it: it starts the broker, the streaming
 * pipeline on Flink local and the front door, answers a request sent to the front door, and on
 * SIGTERM stops all of it and exits 0, leaving no process behind.
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class LaunchEngineIT {
  private static final String KEY = "sk-launch-engine-it-0077";

  @Test
  void givenSigterm_theScriptStopsTheFrontDoorPipelineAndBrokerAndExitsZero() throws Exception {
    Path root = ProjectRoot.get();
    Path dir = Files.createTempDirectory(Files.createDirectories(root.resolve("target")), "launch-engine-it-");
    Path keyFile = dir.resolve("key.txt");
    Files.writeString(keyFile, KEY);
    Path ports = dir.resolve("ports");
    EmulatorConfig cfg = EmulatorConfig.builder().rpm(6_000).windowSeconds(1)
        .latency(LatencyModel.fixed(20)).build();
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      ProcessBuilder pb = new ProcessBuilder(List.of(
              root.resolve("run-scripts/launch-engine.sh").toString(),
              "--baseUrl=" + emu.baseUrl(), "--apiKeyFile=" + keyFile, "--rpm=6000",
              "--frontDoorPort=0", "--portsFile=" + ports, "--parallelism=1"))
          .redirectErrorStream(true).redirectOutput(dir.resolve("engine.out").toFile());
      pb.environment().put("OPENAI_BEAM_NO_BUILD", "1");
      pb.environment().put("KAFKA_DIR", dir.resolve("kafka").toString());
      pb.environment().put("KAFKA_PORT", "0");
      pb.environment().put("JAVA_OPTS", "-Xmx1g");
      String repo = System.getProperty("openaibeam.mavenRepo");
      if (repo != null && !repo.isEmpty()) {
        pb.environment().put("MAVEN_REPO", repo);
      }
      Process script = pb.start();
      try {
        long deadline = System.nanoTime() + TimeUnit.MINUTES.toNanos(3);
        while (!Files.exists(ports) && script.isAlive() && System.nanoTime() < deadline) {
          Thread.sleep(200);
        }
        assertTrue(Files.exists(ports), "no front door:\n" + Files.readString(dir.resolve("engine.out")));
        int port = Integer.parseInt(Files.readString(ports).trim().replace("frontDoorPort=", ""));

        String body = "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],"
            + "\"max_tokens\":5}";
        HttpResponse<String> answer = HttpClient.newHttpClient().send(
            HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/v1/chat/completions"))
                .timeout(Duration.ofSeconds(90))
                .header("content-type", "application/json")
                .header("authorization", "Bearer sk-the-clients-own-key")
                .POST(HttpRequest.BodyPublishers.ofString(body)).build(),
            HttpResponse.BodyHandlers.ofString());
        assertEquals(200, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains(OpenAiEmulator.digest(body)), "its own answer: " + answer.body());

        List<ProcessHandle> started = script.descendants().toList();
        long broker = Long.parseLong(Files.readString(dir.resolve("kafka/kafka.pid")).trim());
        script.destroy(); // SIGTERM
        assertTrue(script.waitFor(90, TimeUnit.SECONDS), "still running 90 s after SIGTERM");
        String out = Files.readString(dir.resolve("engine.out"));
        assertEquals(0, script.exitValue(), out);
        assertTrue(out.contains("everything stopped"), out);
        Thread.sleep(1_000);
        for (ProcessHandle h : started) {
          assertFalse(h.isAlive(), "left running: " + h.pid() + " " + h.info().commandLine().orElse(""));
        }
        assertFalse(ProcessHandle.of(broker).map(ProcessHandle::isAlive).orElse(false), "the broker");
      } finally {
        script.descendants().forEach(ProcessHandle::destroyForcibly);
        script.destroyForcibly();
      }
    }
  }
}
