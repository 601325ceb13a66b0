package dev.openaibeam.bench;

import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.emulator.RateLimitHeaderKind;
import dev.openaibeam.emulator.RedisServer;
import dev.openaibeam.pipeline.RunLogging;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Two jobs on one account, each a JVM of its own (so nothing JVM-wide makes them cooperate), each
 * told the account's whole limit (6,000 RPM, enforced per 1 s window by the emulator in this JVM):
 * without a budget store, with one (a redis-server of this bench's own), with weights 3:1, and with
 * the store killed for 5 s mid-run. Efficiency = ideal / (last − first accepted call), ideal =
 * (rows − one window's burst) / rate. Round trips = the store's EVALSHA calls per call the
 * emulator received. Usage: {@code StoreBench [--cases=nostore,store,weights,restart]
 * [--rows=3000] [--dir=work-out/bench-store]}.
 */
public final class StoreBench {
  private static final long RPM = 6000;
  private static final double RATE = RPM / 60.0;
  private static final String KEY = "sk-store-bench-key";
  private static final String KEY_A = "sk-store-bench-a";
  private static final String KEY_B = "sk-store-bench-b";

  private StoreBench() {}

  public static void main(String[] args) throws Exception {
    args = RunLogging.configure(args);
    String cases = "nostore,store,weights,restart";
    int rows = 3000;
    Path dir = Path.of("work-out/bench-store");
    for (String a : args) {
      if (a.startsWith("--cases=")) {
        cases = a.substring(8);
      } else if (a.startsWith("--rows=")) {
        rows = Integer.parseInt(a.substring(7));
      } else if (a.startsWith("--dir=")) {
        dir = Path.of(a.substring(6));
      }
    }
    List<String> table = new ArrayList<>();
    List<String> weightRows = new ArrayList<>();
    for (String c : cases.split(",")) {
      switch (c.trim()) {
        case "nostore" -> table.add(twoJobs("two jobs, one key, no store", rows, dir.resolve("nostore"), false, false));
        case "store" -> table.add(twoJobs("two jobs, one key, budget store", rows, dir.resolve("store"), true, false));
        case "restart" -> table.add(twoJobs("two jobs, store killed 5 s mid-run", rows, dir.resolve("restart"), true, true));
        case "weights" -> weightRows.add(weights(rows, dir.resolve("weights")));
        default -> throw new IllegalArgumentException("unknown case " + c + ": nostore, store, weights, restart");
      }
    }
    System.out.println();
    if (!table.isEmpty()) {
      System.out.println("| case | rows | ideal s | first→last accepted s | efficiency | 429s | rows lost"
          + " | failure rows | exits | store round trips per call |");
      System.out.println("|---|---|---|---|---|---|---|---|---|---|");
      table.forEach(System.out::println);
    }
    if (!weightRows.isEmpty()) {
      System.out.println();
      System.out.println("| weights 3:1 | both running s | share of the weight-3 job | the weight-1 job alone s"
          + " | its rate / limit | 429s | rows lost | failure rows | exits |");
      System.out.println("|---|---|---|---|---|---|---|---|---|");
      weightRows.forEach(System.out::println);
    }
  }

  private static EmulatorConfig.Builder emulator() {
    return EmulatorConfig.builder().rpm(RPM).windowSeconds(1).rateLimitHeaders(RateLimitHeaderKind.MINUTE)
        .latency(LatencyModel.fixed(200));
  }

  /** Case a (and c with {@code kill}): both jobs on one key, 3,000 rows each. */
  private static String twoJobs(String name, int rows, Path dir, boolean store, boolean kill) throws Exception {
    Files.createDirectories(dir);
    try (RedisServer redis = RedisServer.start(); OpenAiEmulator emu = OpenAiEmulator.start(emulator().build())) {
      Path key = keyFile(dir, "key.txt", KEY);
      List<Job> jobs = new ArrayList<>();
      for (String id : List.of("a", "b")) {
        List<String> more = new ArrayList<>(List.of("--apiKeyFile=" + key));
        if (store) {
          more.add("--budgetStore=" + redis.uri());
        }
        jobs.add(Job.start(id, dir, rows, emu, more));
      }
      long evalsBeforeKill = 0;
      if (kill) {
        waitForAccepted(emu, rows); // a third of the way through both jobs' rows
        evalsBeforeKill = redis.commandCalls("evalsha");
        redis.kill();
        System.err.println("store-bench: redis-server killed; restarting in 5 s");
        Thread.sleep(5000);
        redis.restart();
        System.err.println("store-bench: redis-server restarted, empty");
      }
      List<Integer> exits = new ArrayList<>();
      for (Job j : jobs) {
        exits.add(j.await());
      }
      EmulatorStats s = emu.stats();
      long evals = evalsBeforeKill + redis.commandCalls("evalsha");
      int total = 2 * rows;
      double ideal = (total - RATE) / RATE;
      double span = (s.lastAcceptedNanos() - s.firstAcceptedNanos()) / 1e9;
      long results = 0;
      long failures = 0;
      for (Job j : jobs) {
        results += j.results();
        failures += j.failures();
      }
      long calls = s.received();
      return String.format(Locale.ROOT, "| %s | %d | %.1f | %.1f | %.3f | %d (%.2f%%) | %d | %d | %s | %s |",
          name, total, ideal, span, ideal / span, s.rateLimited(), 100.0 * s.rateLimited() / total,
          total - results - failures, failures, exits,
          store ? String.format(Locale.ROOT, "%.2f (%d for %d calls)", evals / (double) calls, evals, calls) : "—");
    }
  }

  /** Case b: weights 3:1, two keys of one account, one budget name; both saturate. */
  private static String weights(int rows, Path dir) throws Exception {
    Files.createDirectories(dir);
    try (RedisServer redis = RedisServer.start();
        OpenAiEmulator emu = OpenAiEmulator.start(emulator().sameAccount(KEY_A, KEY_B).build())) {
      Job heavy = Job.start("a", dir, rows, emu, List.of("--apiKeyFile=" + keyFile(dir, "key-a.txt", KEY_A),
          "--budgetStore=" + redis.uri(), "--budgetWeight=3", "--budgetName=bench-account"));
      Job light = Job.start("b", dir, rows, emu, List.of("--apiKeyFile=" + keyFile(dir, "key-b.txt", KEY_B),
          "--budgetStore=" + redis.uri(), "--budgetWeight=1", "--budgetName=bench-account"));
      // Samples of each key's accepted calls every 100 ms, until both jobs exit.
      List<long[]> samples = new ArrayList<>();
      long start = System.nanoTime();
      while (heavy.running() || light.running()) {
        EmulatorStats s = emu.stats();
        samples.add(new long[] {System.nanoTime() - start, s.key(KEY_A).accepted(), s.key(KEY_B).accepted()});
        Thread.sleep(100);
      }
      int exitA = heavy.await();
      int exitB = light.await();
      EmulatorStats s = emu.stats();
      long finalA = s.key(KEY_A).accepted();
      long finalB = s.key(KEY_B).accepted();
      long[] bothFrom = null;
      long[] aDone = null;
      long[] bDone = null;
      for (long[] x : samples) {
        if (bothFrom == null && x[1] > 0 && x[2] > 0) {
          bothFrom = x;
        }
        if (aDone == null && x[1] >= finalA) {
          aDone = x;
        }
        if (bDone == null && x[2] >= finalB) {
          bDone = x;
        }
      }
      double both = (aDone[0] - bothFrom[0]) / 1e9;
      double share = (aDone[1] - bothFrom[1]) / (double) ((aDone[1] - bothFrom[1]) + (aDone[2] - bothFrom[2]));
      double alone = (bDone[0] - aDone[0]) / 1e9;
      double aloneRate = (bDone[2] - aDone[2]) / alone / RATE;
      long lost = 2L * rows - heavy.results() - light.results() - heavy.failures() - light.failures();
      return String.format(Locale.ROOT, "| weight 3 (%d rows) + weight 1 (%d rows) | %.1f | %.1f%% | %.1f | %.3f | %d (%.2f%%) | %d | %d | [%d, %d] |",
          rows, rows, both, 100 * share, alone, aloneRate, s.rateLimited(), 100.0 * s.rateLimited() / (2 * rows),
          lost, heavy.failures() + light.failures(), exitA, exitB);
    }
  }

  private static void waitForAccepted(OpenAiEmulator emu, long n) throws InterruptedException {
    while (emu.stats().accepted() < n) {
      Thread.sleep(50);
    }
  }

  private static Path keyFile(Path dir, String name, String key) throws IOException {
    Path p = dir.resolve(name);
    Files.writeString(p, key);
    return p;
  }

  /** One job in a JVM of its own, from this JVM's class path (the bundled jar). */
  private record Job(Path dir, Process process) {
    static Job start(String id, Path caseDir, int rows, OpenAiEmulator emu, List<String> more)
        throws IOException {
      Path dir = caseDir.resolve("job-" + id);
      Files.createDirectories(dir);
      deleteOutputs(dir);
      Path input = BenchInputs.chats(dir, "input.jsonl", rows, 16);
      List<String> cmd = new ArrayList<>(List.of(
          Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx1g",
          "-cp", System.getProperty("java.class.path"), "dev.openaibeam.pipeline.OpenAiBeamMain",
          "--input=" + input, "--output=" + dir.resolve("out/results"),
          "--failures=" + dir.resolve("out/failures"), "--outputShards=1",
          "--baseUrl=" + emu.baseUrl(), "--rpm=" + RPM, "--rateLimitWindowSeconds=1",
          "--progressSeconds=0"));
      cmd.addAll(more);
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true)
          .redirectOutput(dir.resolve("job.log").toFile()).start();
      return new Job(dir, p);
    }

    boolean running() {
      return process.isAlive();
    }

    int await() throws InterruptedException {
      return process.waitFor();
    }

    long results() throws IOException {
      return BenchInputs.countLines(dir.resolve("out/results"));
    }

    long failures() throws IOException {
      return BenchInputs.countLines(dir.resolve("out/failures"));
    }

    private static void deleteOutputs(Path dir) throws IOException {
      Path out = dir.resolve("out");
      if (Files.exists(out)) {
        try (var files = Files.walk(out)) {
          for (Path f : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
            Files.delete(f);
          }
        }
      }
    }
  }
}
