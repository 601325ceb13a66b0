package dev.openaibeam.emulator;

import java.io.File;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real {@code redis-server} on a free 127.0.0.1 port, no persistence, for the budget store's
 * tests and benchmarks; installed first by {@code run-scripts/ensure-redis.sh} when it is not on the PATH. It can
 * be killed and started again on the same port (an empty store, as after a crash).
 */
public final class RedisServer implements AutoCloseable {
  private final int port;
  private final String password;
  private Process process;

  private RedisServer(int port, String password) {
    this.port = port;
    this.password = password;
  }

  public static RedisServer start() throws IOException, InterruptedException {
    return start(null);
  }

  /** With {@code requirepass} when {@code password} is not null. */
  public static RedisServer start(String password) throws IOException, InterruptedException {
    ensureInstalled();
    RedisServer s = new RedisServer(freePort(), password);
    s.launch();
    return s;
  }

  public int port() {
    return port;
  }

  public String uri() {
    return "redis://127.0.0.1:" + port + "/0";
  }

  /**
   * Calls of {@code command} this server ran since it started, from {@code INFO commandstats}
   * (e.g. {@code evalsha}: the budget store's round trips).
   */
  public long commandCalls(String command) throws IOException {
    try (Socket s = new Socket("127.0.0.1", port)) {
      s.setSoTimeout(5000);
      var out = s.getOutputStream();
      String auth = password == null ? "" : "AUTH " + password + "\r\n";
      out.write((auth + "INFO commandstats\r\nQUIT\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      String reply = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      java.util.regex.Matcher m = java.util.regex.Pattern
          .compile("cmdstat_" + command.toLowerCase(java.util.Locale.ROOT) + ":calls=(\\d+)").matcher(reply);
      return m.find() ? Long.parseLong(m.group(1)) : 0;
    }
  }

  /** Kills it at once (SIGKILL): whatever it held is gone. */
  public void kill() throws InterruptedException {
    if (process != null) {
      process.destroyForcibly();
      process.waitFor(10, TimeUnit.SECONDS);
      process = null;
    }
  }

  /** Starts it again on the same port, empty. */
  public void restart() throws IOException, InterruptedException {
    kill();
    launch();
  }

  @Override
  public void close() throws InterruptedException {
    kill();
  }

  private void launch() throws IOException, InterruptedException {
    List<String> cmd = new ArrayList<>(List.of("redis-server", "--port", Integer.toString(port),
        "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no"));
    if (password != null) {
      cmd.addAll(List.of("--requirepass", password));
    }
    process = new ProcessBuilder(cmd).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
    while (System.nanoTime() < deadline) {
      try (Socket ignored = new Socket("127.0.0.1", port)) {
        return;
      } catch (IOException e) {
        if (!process.isAlive()) {
          throw new IOException("redis-server exited with " + process.exitValue());
        }
        Thread.sleep(20);
      }
    }
    throw new IOException("redis-server did not listen on " + port);
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  private static synchronized void ensureInstalled() throws IOException, InterruptedException {
    if (onPath()) {
      return;
    }
    Path script = null;
    for (File d = new File("").getAbsoluteFile(); d != null; d = d.getParentFile()) {
      Path p = d.toPath().resolve("run-scripts/ensure-redis.sh");
      if (Files.exists(p)) {
        script = p;
        break;
      }
    }
    if (script == null) {
      throw new IOException("redis-server is not on the PATH and run-scripts/ensure-redis.sh was not found");
    }
    Process p = new ProcessBuilder("bash", script.toString()).inheritIO().start();
    if (p.waitFor() != 0 || !onPath()) {
      throw new IOException("run-scripts/ensure-redis.sh could not install redis-server");
    }
  }

  private static boolean onPath() {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(File.pathSeparator)) {
      if (Files.isExecutable(Path.of(dir, "redis-server"))) {
        return true;
      }
    }
    return false;
  }
}
