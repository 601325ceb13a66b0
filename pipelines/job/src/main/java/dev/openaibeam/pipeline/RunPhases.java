package dev.openaibeam.pipeline;

import dev.openaibeam.call.LocalProgress;
import java.util.Locale;

/**
 * Where a local run's wall time went: start-up (options, graph, runner) until the job starts, the
 * job until its first call (reading, parsing, sorting the input), the calls, and finishing (the
 * sinks). The call times are this JVM's own, so on a cluster only start-up and the job are known.
 */
record RunPhases(double startUpSeconds, double toFirstCallSeconds, double callsSeconds,
    double finishSeconds, double jobSeconds, boolean callsSeen) {

  static RunPhases of(long commandStartNanos, long jobStartNanos, long endNanos) {
    long first = LocalProgress.firstSentNanos();
    long last = LocalProgress.lastReturnedNanos();
    boolean seen = first > 0 && last >= first && first >= jobStartNanos;
    return new RunPhases(
        seconds(jobStartNanos - commandStartNanos),
        seen ? seconds(first - jobStartNanos) : 0,
        seen ? seconds(last - first) : 0,
        seen ? seconds(endNanos - last) : 0,
        seconds(endNanos - jobStartNanos),
        seen);
  }

  /** From the command's start to its first call. */
  double toFirstCallFromStart() {
    return startUpSeconds + toFirstCallSeconds;
  }

  String format() {
    if (!callsSeen) {
      return String.format(Locale.ROOT, "phases         start-up %.1f s, job %.1f s%n",
          startUpSeconds, jobSeconds);
    }
    return String.format(Locale.ROOT,
        "phases         start-up %.1f s, reading until the first call %.1f s (first call %.1f s"
            + " after the start), calls %.1f s, finishing %.1f s%n",
        startUpSeconds, toFirstCallSeconds, toFirstCallFromStart(), callsSeconds, finishSeconds);
  }

  private static double seconds(long nanos) {
    return Math.max(0, nanos) / 1e9;
  }
}
