package dev.openaibeam.bench;

import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.EmulatorStats;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.pipeline.OpenAiBeamMain;
import dev.openaibeam.pipeline.OpenAiBeamOptions;
import dev.openaibeam.pipeline.RunLogging;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * How close the pipeline comes to the ideal time a rate limit allows, against the emulator in the
 * same run: efficiency = ideal / (last accepted call − first accepted call), where ideal = (work −
 * one window's burst) / rate. Usage: {@code BudgetBench [--cases=rpm,tpm,lenient,flink4]
 * [--scale=1.0] [--dir=work-out/bench-budget]}.
 */
public final class BudgetBench {
  private record Case(
      String name, int rows, int maxTokens, long rpm, long tpm, double window, String[] runnerArgs) {}

  private BudgetBench() {}

  public static void main(String[] args) throws Exception {
    args = RunLogging.configure(args);
    String cases = "rpm,tpm,lenient,flink4";
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
    List<Case> all = List.of(
        new Case("RPM-bound (1 s window, 6,000 RPM)", 3000, 16, 6000, 0, 1, new String[0]),
        new Case("TPM-bound (1 s window, 300,000 TPM)", 3000, 100, 0, 300_000, 1, new String[0]),
        new Case("lenient (60 s window, 3,000 RPM)", 6000, 16, 3000, 0, 60, new String[0]),
        new Case("RPM-bound on Flink local, parallelism 4", 3000, 16, 6000, 0, 1,
            new String[] {"--runner=FlinkRunner", "--flinkMaster=[local]", "--parallelism=4"}));
    List<String> keys = List.of("rpm", "tpm", "lenient", "flink4");
    List<String> rows = new ArrayList<>();
    for (String c : cases.split(",")) {
      Case k = all.get(keys.indexOf(c.trim()));
      rows.add(run(k, Math.max(1, (int) Math.round(k.rows * scale)), dir.resolve(c.trim())));
    }
    System.out.println();
    System.out.println("| case | rows | ideal s | wall s | first→last accepted s | efficiency | 429s | rows lost |");
    System.out.println("|---|---|---|---|---|---|---|---|");
    rows.forEach(System.out::println);
  }

  private static String run(Case k, int rows, Path dir) throws Exception {
    Files.createDirectories(dir);
    Path input = BenchInputs.chats(dir, "input.jsonl", rows, k.maxTokens);
    EmulatorConfig cfg =
        EmulatorConfig.builder()
            .rpm(k.rpm)
            .tpm(k.tpm)
            .windowSeconds(k.window)
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
          "--rpm=" + k.rpm,
          "--tpm=" + k.tpm,
          "--rateLimitWindowSeconds=" + k.window,
          "--outputShards=1"));
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
      long answered =
          BenchInputs.countLines(dir.resolve("out/results"))
              + BenchInputs.countLines(dir.resolve("out/failures"));
      long rateLimited = s.rateLimitedRequests() + s.rateLimitedTokens();
      return String.format(Locale.ROOT, "| %s%s | %d | %.1f | %.1f | %.1f | %.3f | %d (%.2f%%) | %d |",
          k.name, rc == 0 ? "" : " (exit " + rc + ")", rows, ideal, wall, span, ideal / span,
          rateLimited, 100.0 * rateLimited / rows, rows - answered);
    }
  }
}
