package dev.openaibeam.bench;

import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
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
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * How close the pipeline comes to the ideal time a rate limit allows, against the emulator in the
 * same run: efficiency = ideal / (last accepted call − first accepted call), where ideal = (work −
 * one window's burst) / rate, from the limits the service enforces (whether or not the job is told
 * them). Usage: {@code BudgetBench [--cases=rpm,tpm,...] [--scale=1.0]
 * [--dir=work-out/bench-budget]}; the default runs every case of {@link #CASES}, in order.
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

  private static final String[] FLINK4 =
      {"--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=4"};
  private static final RateLimitHeaderKind MINUTE = RateLimitHeaderKind.MINUTE;
  private static final RateLimitHeaderKind WINDOW = RateLimitHeaderKind.WINDOW;

  /** Every case by its --cases name, in the order they run by default. */
  private static final Map<String, Case> CASES = new LinkedHashMap<>();

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
  }

  private BudgetBench() {}

  public static void main(String[] args) throws Exception {
    args = RunLogging.configure(args);
    String cases = String.join(",", CASES.keySet());
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
    for (String c : cases.split(",")) {
      Case k = CASES.get(c.trim());
      if (k == null) {
        throw new IllegalArgumentException("unknown case " + c + ", not one of " + CASES.keySet());
      }
      rows.add(run(k, Math.max(1, (int) Math.round(k.rows * scale)), dir.resolve(c.trim())));
    }
    System.out.println();
    System.out.println("| case | rows | ideal s | wall s | first→last accepted s | efficiency | 429s"
        + " | rows lost | failure rows |");
    System.out.println("|---|---|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
  }

  private static String run(Case k, int rows, Path dir) throws Exception {
    Files.createDirectories(dir);
    deleteTree(dir.resolve("out")); // a failures file left by an earlier run is not this run's
    Path input = BenchInputs.chats(dir, "input.jsonl", rows, k.maxTokens);
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
      List<String> args = new ArrayList<>(List.of(
          "--input=" + input,
          "--output=" + dir.resolve("out/results"),
          "--failures=" + dir.resolve("out/failures"),
          "--baseUrl=" + emu.baseUrl(),
          "--apiKeyFile=" + key,
          "--outputShards=1"));
      if (k.jobToldLimits) {
        args.addAll(List.of(
            "--rpm=" + k.rpm, "--tpm=" + k.tpm, "--rateLimitWindowSeconds=" + k.window));
      }
      args.addAll(Arrays.asList(k.runnerArgs));
      PipelineOptionsFactory.register(OpenAiBeamOptions.class);
      OpenAiBeamOptions options =
          PipelineOptionsFactory.fromArgs(args.toArray(new String[0])).as(OpenAiBeamOptions.class);
      long start = System.nanoTime();
      int rc = OpenAiBeamMain.run(options);
      double wall = (System.nanoTime() - start) / 1e9;
      EmulatorStats s = emu.stats();
      double span = (s.lastAcceptedNanos() - s.firstAcceptedNanos()) / 1e9;
      double ideal;
      if (k.tpm > 0) {
        double rate = k.tpm / 60.0;
        ideal = (s.acceptedTokens() - rate * k.window) / rate;
      } else {
        double rate = k.rpm / 60.0;
        ideal = (rows - rate * k.window) / rate;
      }
      long failureRows = BenchInputs.countLines(dir.resolve("out/failures"));
      long answered = BenchInputs.countLines(dir.resolve("out/results")) + failureRows;
      long rateLimited = s.rateLimitedRequests() + s.rateLimitedTokens();
      return String.format(Locale.ROOT,
          "| %s%s | %d | %.1f | %.1f | %.1f | %.3f | %d (%.2f%%) | %d | %d |",
          k.name, rc == 0 ? "" : " (exit " + rc + ")", rows, ideal, wall, span, ideal / span,
          rateLimited, 100.0 * rateLimited / rows, rows - answered, failureRows);
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
