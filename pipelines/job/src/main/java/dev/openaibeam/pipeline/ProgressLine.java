package dev.openaibeam.pipeline;

import dev.openaibeam.call.LocalProgress;
import java.io.PrintStream;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Prints a progress line every few seconds during a local run: rows done of rows known, rate over
 * the last interval, 429s, calls in flight, and the time left at that rate.
 */
final class ProgressLine implements AutoCloseable {
  private final PrintStream out;
  private final long startNanos = System.nanoTime();
  private final ScheduledExecutorService timer =
      Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "openai-beam-progress");
            t.setDaemon(true);
            return t;
          });
  private long lastDone;
  private long lastNanos = startNanos;

  ProgressLine(PrintStream out, int everySeconds) {
    this.out = out;
    LocalProgress.reset();
    if (everySeconds > 0) { // 0: no progress line (remote clusters: the calls are in other JVMs)
      timer.scheduleAtFixedRate(this::print, everySeconds, everySeconds, TimeUnit.SECONDS);
    }
  }

  String line(long now) {
    long rows = LocalProgress.rows();
    long done = LocalProgress.succeeded() + LocalProgress.failed();
    double interval = (now - lastNanos) / 1e9;
    double rate = interval > 0 ? (done - lastDone) / interval : 0;
    lastDone = done;
    lastNanos = now;
    String eta = rate > 0 && rows > done ? formatSeconds((rows - done) / rate) : "-";
    return String.format(Locale.ROOT,
        "progress: %d/%d rows done (%d failed), %.0f rows/s, %d in flight, %d 429s, elapsed %s, left ~%s%s",
        done, rows, LocalProgress.failed(), rate, LocalProgress.inFlight(),
        LocalProgress.rateLimited(), formatSeconds((now - startNanos) / 1e9), eta, members());
  }

  /** Calls by pool member, when there are several. */
  private static String members() {
    Map<String, Long> byMember = LocalProgress.callsByMember();
    if (byMember.size() <= 1) {
      return "";
    }
    StringBuilder s = new StringBuilder(", calls by member");
    byMember.forEach((m, n) -> s.append(' ').append(m).append(' ').append(n));
    return s.toString();
  }

  private void print() {
    out.println(line(System.nanoTime()));
  }

  static String formatSeconds(double s) {
    long t = Math.round(s);
    return t >= 3600
        ? String.format(Locale.ROOT, "%dh%02dm", t / 3600, (t % 3600) / 60)
        : String.format(Locale.ROOT, "%dm%02ds", t / 60, t % 60);
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }
}
