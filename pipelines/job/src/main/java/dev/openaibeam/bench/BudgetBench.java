package dev.openaibeam.bench;

import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.KeyStats;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.emulator.RateLimitHeaderKind;
import dev.openaibeam.pipeline.OpenAiBeamMain;
import dev.openaibeam.pipeline.OpenAiBeamOptions;
import dev.openaibeam.pipeline.RunLogging;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * How close the pipeline comes to the ideal time a rate limit allows, against the emulator in the
 * same run: efficiency = ideal / (last accepted call − first accepted call), where ideal = (work −
 * one window's burst) / rate, from the limits the service enforces (whether or not the job is told
 * them). Usage: {@code BudgetBench [--cases=rpm,tpm,...] [--scale=1.0]
 * [--dir=work-out/bench-budget]}; the default runs every case of {@link #CASES}, then of {@link
 * #POOL_CASES}, in order.
 *
 * <p>A pool case runs the job with {@code --keysFile} (written into the case's folder with a key
 * file per member; the keys are test keys, never printed) against an emulator that gives each
 * member's key its own limits: its main-table row takes the ideal from the members' combined rate
 * (and the calls a member's quota allows), and a second table gives each member's calls, 429s as
 * a share of its calls, the refusals of a dead member (a wrong key, a quota that runs out) and each
 * live member's share of the accepted calls against its share of the live members' limits.
 */
public final class BudgetBench {
  /**
   * One run: what the service enforces and reports, and what the job is told.
   *
   * @param rpm the service's requests per minute (0 = none)
   * @param tpm the service's tokens per minute (0 = none)
   * @param window the service's enforcing window, in seconds
   * @param headers how the service reports what is left
   * @param jobToldLimits whether the job gets {@code --rpm --tpm --rateLimitWindowSeconds} (the
   *     service's); without them it must learn the limits from the service
   */
  private record Case(
      String name, int rows, int maxTokens, long rpm, long tpm, double window,
      RateLimitHeaderKind headers, boolean jobToldLimits, String... runnerArgs) {}

  /**
   * One member of a pool case.
   *
   * @param rpm its limit at the service and in the keys file
   * @param quotaCalls calls its account has quota for (-1: no end), {@code quotaAfterCalls}
   * @param wrongKey whether its key file holds a key the service does not accept
   */
  private record Member(String name, long rpm, long quotaCalls, boolean wrongKey) {
    static Member live(String name, long rpm) {
      return new Member(name, rpm, -1, false);
    }

    boolean dead() {
      return wrongKey || quotaCalls >= 0;
    }

    String key() {
      return "sk-pool-" + name + (wrongKey ? "-wrong" : "");
    }
  }

  /** A run of the job with a key pool: 1 s windows at the service and in the job, minute headers. */
  private record PoolCase(String name, int rows, List<Member> members, String... runnerArgs) {}

  private static final String[] FLINK4 =
      {"--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=4"};
  private static final RateLimitHeaderKind MINUTE = RateLimitHeaderKind.MINUTE;
  private static final RateLimitHeaderKind WINDOW = RateLimitHeaderKind.WINDOW;

  /** Every case by its --cases name, in the order they run by default. */
  private static final Map<String, Case> CASES = new LinkedHashMap<>();
  /** Every pool case by its --cases name, in the order they run by default (after {@link #CASES}). */
  private static final Map<String, PoolCase> POOL_CASES = new LinkedHashMap<>();

  static {
    CASES.put("rpm", new Case("RPM-bound (1 s window, 6,000 RPM)",
        3000, 16, 6000, 0, 1, MINUTE, true));
    CASES.put("tpm", new Case("TPM-bound (1 s window, 300,000 TPM)",
        3000, 100, 0, 300_000, 1, MINUTE, true));
    CASES.put("lenient", new Case("lenient (60 s window, 3,000 RPM)",
        6000, 16, 3000, 0, 60, MINUTE, true));
    CASES.put("flink4", new Case("RPM-bound on Flink local, parallelism 4",
        3000, 16, 6000, 0, 1, MINUTE, true, FLINK4));
    CASES.put("noflags", new Case("no --rpm/--tpm (6,000 RPM, 1 s window, minute headers)",
        3000, 16, 6000, 0, 1, MINUTE, false));
    CASES.put("minute", new Case("minute headers (6,000 RPM, 1 s window)",
        3000, 16, 6000, 0, 1, MINUTE, true));
    CASES.put("window", new Case("window headers (6,000 RPM, 1 s window)",
        3000, 16, 6000, 0, 1, WINDOW, true));
    CASES.put("minute4", new Case("minute headers on Flink local, parallelism 4",
        3000, 16, 6000, 0, 1, MINUTE, true, FLINK4));
    CASES.put("window4", new Case("window headers on Flink local, parallelism 4",
        3000, 16, 6000, 0, 1, WINDOW, true, FLINK4));
    CASES.put("noheaders", new Case("no headers, no --rpm (3,000 RPM, 1 s window)",
        6000, 16, 3000, 0, 1, RateLimitHeaderKind.NONE, false));
    List<Member> three =
        List.of(Member.live("a", 3000), Member.live("b", 2000), Member.live("c", 1000));
    POOL_CASES.put("pool", new PoolCase("pool of 3 (3,000 + 2,000 + 1,000 RPM, 1 s window)",
        6000, three));
    POOL_CASES.put("pool4", new PoolCase("pool of 3 on Flink local, parallelism 4",
        6000, three, FLINK4));
    POOL_CASES.put("poolfaults", new PoolCase(
        "pool of 4: b's quota ends after 300 calls, d's key is wrong", 6000,
        List.of(Member.live("a", 3000), new Member("b", 2000, 300, false), Member.live("c", 1000),
            new Member("d", 1000, -1, true))));
  }

  /** Two-job cases (issue 16), run by {@link StoreBench}: their names here, its names there. */
  private static final Map<String, String> STORE_CASES = Map.of(
      "twojobs", "nostore,store", "weights", "weights", "storerestart", "restart");

  private BudgetBench() {}

  public static void main(String[] args) throws Exception {
    args = RunLogging.configure(args);
    String cases = String.join(",", CASES.keySet()) + "," + String.join(",", POOL_CASES.keySet())
        + ",twojobs";
    double scale = 1.0;
    Path dir = Path.of("work-out/bench-budget");
    for (String a : args) {
      if (a.startsWith("--cases=")) {
        cases = a.substring(8);
      } else if (a.startsWith("--scale=")) {
        scale = Double.parseDouble(a.substring(8));
      } else if (a.startsWith("--dir=")) {
        dir = Path.of(a.substring(6));
      }
    }
    List<String> rows = new ArrayList<>();
    List<String> memberRows = new ArrayList<>();
    List<String> storeCases = new ArrayList<>();
    for (String c : cases.split(",")) {
      String name = c.trim();
      if (STORE_CASES.containsKey(name)) {
        storeCases.add(STORE_CASES.get(name));
        continue;
      }
      Case k = CASES.get(name);
      PoolCase p = POOL_CASES.get(name);
      if (k != null) {
        rows.add(run(k, scaled(k.rows, scale), dir.resolve(name)));
      } else if (p != null) {
        rows.add(runPool(name, p, scaled(p.rows, scale), dir.resolve(name), memberRows));
      } else {
        throw new IllegalArgumentException("unknown case " + c + ", not one of " + CASES.keySet()
            + ", " + POOL_CASES.keySet() + " or " + STORE_CASES.keySet());
      }
    }
    if (!rows.isEmpty()) {
      System.out.println();
      System.out.println("| case | rows | ideal s | wall s | first→last accepted s | efficiency | 429s"
          + " | rows lost | failure rows |");
      System.out.println("|---|---|---|---|---|---|---|---|---|");
      rows.forEach(System.out::println);
    }
    if (!memberRows.isEmpty()) {
      System.out.println();
      System.out.println("| pool case | member | rpm | calls | accepted | 429s (% of its calls)"
          + " | quota errors | auth errors | calls after its first refusal | share of accepted"
          + " | share of limits | points |");
      System.out.println("|---|---|---|---|---|---|---|---|---|---|---|---|");
      memberRows.forEach(System.out::println);
    }
    if (!storeCases.isEmpty()) { // two jobs in JVMs of their own, with their own tables
      StoreBench.main(new String[] {"--cases=" + String.join(",", storeCases),
          "--rows=" + scaled(3000, scale), "--dir=" + dir.resolve("store")});
    }
  }

  private static int scaled(int rows, double scale) {
    return Math.max(1, (int) Math.round(rows * scale));
  }

  private static String run(Case k, int rows, Path dir) throws Exception {
    Path input = prepare(dir, rows, k.maxTokens);
    EmulatorConfig cfg =
        EmulatorConfig.builder()
            .rpm(k.rpm)
            .tpm(k.tpm)
            .windowSeconds(k.window)
            .rateLimitHeaders(k.headers)
            .latency(LatencyModel.fixed(200))
            .build();
    Path key = dir.resolve("key.txt");
    Files.writeString(key, "sk-bench");
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg)) {
      List<String> args = jobArgs(input, dir, "--baseUrl=" + emu.baseUrl(), "--apiKeyFile=" + key);
      if (k.jobToldLimits) {
        args.addAll(List.of(
            "--rpm=" + k.rpm, "--tpm=" + k.tpm, "--rateLimitWindowSeconds=" + k.window));
      }
      Job job = Job.run(args, k.runnerArgs, dir, emu);
      EmulatorStats s = job.stats;
      double ideal;
      if (k.tpm > 0) {
        double rate = k.tpm / 60.0;
        ideal = (s.acceptedTokens() - rate * k.window) / rate;
      } else {
        double rate = k.rpm / 60.0;
        ideal = (rows - rate * k.window) / rate;
      }
      return job.row(k.name, rows, ideal);
    }
  }

  /**
   * A pool case: each member's key (its own file) with its own limits at the emulator, the keys
   * file naming them, the job told only {@code --rateLimitWindowSeconds=1}. Adds a row per member
   * and one for the whole pool to {@code memberRows}; returns the main table's row.
   */
  private static String runPool(String id, PoolCase p, int rows, Path dir, List<String> memberRows)
      throws Exception {
    Path input = prepare(dir, rows, 16);
    EmulatorConfig.Builder cfg = EmulatorConfig.builder()
        .windowSeconds(1)
        .rateLimitHeaders(MINUTE)
        .latency(LatencyModel.fixed(200));
    Set<String> accepted = new HashSet<>();
    for (Member m : p.members) {
      if (!m.wrongKey) {
        accepted.add(m.key());
        cfg.keyLimits(m.key(), m.rpm, 0);
      }
      if (m.quotaCalls >= 0) {
        cfg.quotaAfterCalls(m.key(), m.quotaCalls);
      }
    }
    cfg.acceptedKeys(accepted); // so the wrong key is refused
    try (OpenAiEmulator emu = OpenAiEmulator.start(cfg.build())) {
      Path keysFile = writeKeysFile(p.members, dir, emu.baseUrl());
      List<String> args =
          jobArgs(input, dir, "--keysFile=" + keysFile, "--rateLimitWindowSeconds=1");
      Job job = Job.run(args, p.runnerArgs, dir, emu);
      memberRows.addAll(memberRows(id, p, job.stats, job.rc));
      return job.row(p.name, rows, idealSeconds(p.members, rows, 1));
    }
  }

  /** The keys file and a key file per member, in {@code dir}; the keys file names no key. */
  private static Path writeKeysFile(List<Member> members, Path dir, String baseUrl)
      throws IOException {
    List<String> entries = new ArrayList<>();
    for (Member m : members) {
      Path keyFile = dir.resolve("key-" + m.name);
      Files.writeString(keyFile, m.key());
      entries.add(String.format(Locale.ROOT,
          "{\"name\":\"%s\",\"apiKeyFile\":\"%s\",\"baseUrl\":\"%s\",\"rpm\":%d}",
          m.name, keyFile.toAbsolutePath(), baseUrl, m.rpm));
    }
    Path keysFile = dir.resolve("keys.json");
    Files.writeString(keysFile, "[\n  " + String.join(",\n  ", entries) + "\n]\n");
    return keysFile;
  }

  /**
   * The least time in which the members can be accepted {@code rows} calls: by time t a member
   * has taken at most min(its quota, one window's burst + rate × t) calls (a wrong key none), so
   * the ideal is the smallest t where these add up to the rows; without quotas, (rows − the
   * combined burst) / the combined rate.
   */
  private static double idealSeconds(List<Member> members, int rows, double window) {
    double lo = 0;
    double hi = 1;
    while (callsBy(members, hi, window) < rows && hi < 1e7) {
      hi *= 2;
    }
    for (int i = 0; i < 100; i++) {
      double mid = (lo + hi) / 2;
      if (callsBy(members, mid, window) < rows) {
        lo = mid;
      } else {
        hi = mid;
      }
    }
    return hi;
  }

  private static double callsBy(List<Member> members, double seconds, double window) {
    double calls = 0;
    for (Member m : members) {
      if (m.wrongKey) {
        continue;
      }
      double rate = m.rpm / 60.0;
      double possible = rate * window + rate * seconds;
      calls += m.quotaCalls >= 0 ? Math.min(m.quotaCalls, possible) : possible;
    }
    return calls;
  }

  /**
   * A row per member: its calls at the emulator, 429s (rate limits) as a share of them, its
   * refusals (quota, auth) and the calls it got after the first of them, and for a live member
   * its share of the live members' accepted calls against its share of their limits (the points
   * between the two); then the pool's totals.
   */
  private static List<String> memberRows(String id, PoolCase p, EmulatorStats s, int rc) {
    long liveAccepted = 0;
    long liveRpm = 0;
    for (Member m : p.members) {
      if (!m.dead()) {
        liveAccepted += s.key(m.key()).accepted();
        liveRpm += m.rpm;
      }
    }
    String caseName = id + " (exit " + rc + ")";
    List<String> out = new ArrayList<>();
    for (Member m : p.members) {
      KeyStats k = s.key(m.key());
      long refusals = k.quotaErrors() + k.authErrors();
      String shares = "dead | dead | —";
      if (!m.dead()) {
        double ofAccepted = 100.0 * k.accepted() / Math.max(1, liveAccepted);
        double ofLimits = 100.0 * m.rpm / liveRpm;
        shares = String.format(Locale.ROOT, "%.1f%% | %.1f%% | %+.1f",
            ofAccepted, ofLimits, ofAccepted - ofLimits);
      }
      out.add(String.format(Locale.ROOT, "| %s | %s | %d | %d | %d | %d (%.2f%%) | %d | %d | %s | %s |",
          caseName, m.name, m.rpm, k.calls(), k.accepted(), k.rateLimited(),
          100.0 * k.rateLimited() / Math.max(1, k.calls()), k.quotaErrors(), k.authErrors(),
          refusals == 0 ? "—" : Long.toString(refusals - 1), shares));
    }
    long calls = s.perKey().values().stream().mapToLong(KeyStats::calls).sum();
    out.add(String.format(Locale.ROOT, "| %s | all | %d | %d | %d | %d (%.2f%%) | %d | %d | | | | |",
        caseName, p.members.stream().mapToLong(Member::rpm).sum(), calls, s.accepted(),
        s.rateLimited(), 100.0 * s.rateLimited() / Math.max(1, calls), s.quotaErrors(),
        s.authErrors()));
    return out;
  }

  /** The case's folder without an earlier run's outputs, and its input. */
  private static Path prepare(Path dir, int rows, int maxTokens) throws IOException {
    Files.createDirectories(dir);
    deleteTree(dir.resolve("out")); // a failures file left by an earlier run is not this run's
    return BenchInputs.chats(dir, "input.jsonl", rows, maxTokens);
  }

  /** The job's options every case gives: input, outputs in {@code dir/out}, and {@code more}. */
  private static List<String> jobArgs(Path input, Path dir, String... more) {
    List<String> args = new ArrayList<>(List.of(
        "--input=" + input,
        "--output=" + dir.resolve("out/results"),
        "--failures=" + dir.resolve("out/failures"),
        "--outputShards=1"));
    args.addAll(Arrays.asList(more));
    return args;
  }

  /** One run of the job: its exit code, wall time, what the emulator saw, the rows it wrote. */
  private record Job(int rc, double wall, EmulatorStats stats, long results, long failureRows) {
    /** Runs the job with {@code args} and the runner's, against {@code emu}, writing to {@code dir}. */
    static Job run(List<String> args, String[] runnerArgs, Path dir, OpenAiEmulator emu)
        throws Exception {
      List<String> all = new ArrayList<>(args);
      all.addAll(Arrays.asList(runnerArgs));
      PipelineOptionsFactory.register(OpenAiBeamOptions.class);
      OpenAiBeamOptions options =
          PipelineOptionsFactory.fromArgs(all.toArray(new String[0])).as(OpenAiBeamOptions.class);
      long start = System.nanoTime();
      int rc = OpenAiBeamMain.run(options);
      double wall = (System.nanoTime() - start) / 1e9;
      return new Job(rc, wall, emu.stats(), BenchInputs.countLines(dir.resolve("out/results")),
          BenchInputs.countLines(dir.resolve("out/failures")));
    }

    /** The main table's row: span = first to last accepted call, efficiency = ideal / span. */
    String row(String name, int rows, double ideal) {
      double span = (stats.lastAcceptedNanos() - stats.firstAcceptedNanos()) / 1e9;
      long rateLimited = stats.rateLimitedRequests() + stats.rateLimitedTokens();
      return String.format(Locale.ROOT,
          "| %s%s | %d | %.1f | %.1f | %.1f | %.3f | %d (%.2f%%) | %d | %d |",
          name, rc == 0 ? "" : " (exit " + rc + ")", rows, ideal, wall, span, ideal / span,
          rateLimited, 100.0 * rateLimited / rows, rows - results - failureRows, failureRows);
    }
  }

  private static void deleteTree(Path root) throws IOException {
    if (!Files.exists(root)) {
      return;
    }
    try (Stream<Path> paths = Files.walk(root)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(p);
      }
    }
  }
}
