package dev.openaibeam.cloud;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Adobe S3Mock in a separate JVM on 127.0.0.1 (its Spring Boot dependencies stay out of the test
 * JVM). The build unpacks S3Mock's executable jar into {@code target/s3mock}; {@link
 * S3MockLauncher} starts it bound to loopback only.
 */
final class S3MockServer implements AutoCloseable {
  private static final Path UNPACKED = Path.of("target", "s3mock", "BOOT-INF");
  private static final Path TEST_CLASSES = Path.of("target", "test-classes");

  private final Process process;
  private final int port;
  private final List<String> log;

  private S3MockServer(Process process, int port, List<String> log) {
    this.process = process;
    this.port = port;
    this.log = log;
  }

  /** Starts S3Mock with one bucket and waits (up to {@code timeoutSeconds}) until it serves. */
  static S3MockServer start(Path root, String bucket, int timeoutSeconds) throws Exception {
    if (!Files.isDirectory(UNPACKED.resolve("lib"))) {
      throw new IllegalStateException(UNPACKED + " missing: run through Maven (process-test-resources unpacks S3Mock)");
    }
    int port = freePort();
    int httpPort = freePort();
    String cp = String.join(File.pathSeparator,
        UNPACKED.resolve("classes").toString(), UNPACKED.resolve("lib") + File.separator + "*",
        TEST_CLASSES.toString());
    String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p = new ProcessBuilder(javaBin, "-Xmx256m", "-XX:TieredStopAtLevel=1", "-cp", cp,
            S3MockLauncher.class.getName(), String.valueOf(port), String.valueOf(httpPort),
            root.toString(), bucket)
        .redirectErrorStream(true)
        .start();
    List<String> log = Collections.synchronizedList(new ArrayList<>());
    CompletableFuture<Boolean> ready = new CompletableFuture<>();
    Thread reader = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(
          new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line; (line = r.readLine()) != null; ) {
          log.add(line);
          if (line.contains("S3MOCK READY")) {
            ready.complete(true);
          }
        }
      } catch (IOException ignored) {
        // the process went away
      }
      ready.complete(false);
    }, "s3mock-log");
    reader.setDaemon(true);
    reader.start();
    S3MockServer server = new S3MockServer(p, port, log);
    boolean ok;
    try {
      ok = ready.get(timeoutSeconds, TimeUnit.SECONDS);
    } catch (java.util.concurrent.TimeoutException e) {
      ok = false;
    }
    if (!ok) {
      server.close();
      throw new IllegalStateException("S3Mock did not start within " + timeoutSeconds + " s: " + log);
    }
    return server;
  }

  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() throws InterruptedException {
    process.destroy();
    if (!process.waitFor(20, TimeUnit.SECONDS)) {
      process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }
}
