package dev.openaibeam.bench;

import java.io.IOException;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import jdk.jfr.consumer.RecordedEvent;
import jdk.jfr.consumer.RecordedFrame;
import jdk.jfr.consumer.RecordedStackTrace;
import jdk.jfr.consumer.RecordingFile;

/**
 * Says where a run's CPU went, from a Java Flight Recording of it: execution samples by pipeline
 * stage (the thread that ran) and by component (the innermost frame that belongs to a library we
 * know, or to this project). {@code ProfileSummary FILE.jfr}.
 */
public final class ProfileSummary {
  // Innermost frame owners, most specific first.
  private static final Map<String, String> COMPONENTS = new LinkedHashMap<>();

  static {
    COMPONENTS.put("dev.openaibeam.", "openai-beam (own code)");
    COMPONENTS.put("com.knuddels.jtokkit.", "jtokkit (token counting)");
    COMPONENTS.put("com.fasterxml.jackson.", "Jackson (JSON)");
    COMPONENTS.put("org.apache.hc.", "Apache HttpClient (HTTP)");
    COMPONENTS.put("org.apache.flink.", "Flink runtime (sort, serialization, tasks)");
    COMPONENTS.put("org.apache.beam.", "Beam SDK/runner (coders, DoFn invocation, IO)");
    COMPONENTS.put("sun.nio.", "JDK socket/file I/O");
    COMPONENTS.put("java.util.zip.", "JDK gzip");
  }

  private ProfileSummary() {}

  public static void main(String[] args) throws IOException {
    Map<String, Integer> byStage = new TreeMap<>();
    Map<String, Integer> byComponent = new TreeMap<>();
    int total = 0;
    for (RecordedEvent e : RecordingFile.readAllEvents(Path.of(args[0]))) {
      if (!e.getEventType().getName().equals("jdk.ExecutionSample")) {
        continue;
      }
      RecordedStackTrace st = e.getStackTrace();
      if (st == null) {
        continue;
      }
      total++;
      byStage.merge(stage(e.getThread("sampledThread").getJavaName()), 1, Integer::sum);
      byComponent.merge(component(st.getFrames()), 1, Integer::sum);
    }
    print("pipeline stage (thread)", byStage, total);
    print("component (innermost known frame)", byComponent, total);
  }

  /** Flink names task threads after their operator chain; keep the part that names our stage. */
  static String stage(String thread) {
    if (thread == null) {
      return "?";
    }
    if (thread.equals("main")) {
      return "main (start-up: options, graph, job submission)";
    }
    // A chain is named by all its operators: test the later stages first.
    for (String s : new String[] {"FormatResults", "FormatFailures", "WriteResults", "WriteFailures",
        "KeyByBudgetShard", "ParseLines", "ReadRequests", "CallApi"}) {
      if (thread.contains(s)) {
        return "task: " + s;
      }
    }
    if (thread.startsWith("openai-http")) {
      return "HTTP I/O threads";
    }
    if (thread.contains("GroupReduce") || thread.contains("Sort") || thread.contains("SortMerger")) {
      return "Flink sort/shuffle";
    }
    return "other: " + thread.replaceAll("[0-9]+", "N").replaceAll("\\(.*", "").trim();
  }

  static String component(List<RecordedFrame> frames) {
    for (RecordedFrame f : frames) {
      if (!f.isJavaFrame()) {
        continue;
      }
      String type = f.getMethod().getType().getName();
      for (Map.Entry<String, String> c : COMPONENTS.entrySet()) {
        if (type.startsWith(c.getKey())) {
          return c.getValue();
        }
      }
    }
    return "JDK only";
  }

  private static void print(String title, Map<String, Integer> counts, int total) {
    System.out.println();
    System.out.println("| " + title + " | CPU samples | share |");
    System.out.println("|---|---|---|");
    counts.entrySet().stream()
        .sorted((a, b) -> b.getValue() - a.getValue())
        .limit(15)
        .forEach(
            en ->
                System.out.printf(
                    Locale.ROOT, "| %s | %d | %.1f%% |%n",
                    en.getKey(), en.getValue(), 100.0 * en.getValue() / Math.max(1, total)));
  }
}
