package dev.openaibeam.pipeline;

import java.util.ArrayList;
import java.util.List;

/**
 * What a run prints besides its progress line and summary. The job logs through slf4j-simple;
 * unless asked otherwise, Beam's internals (temporary file paths) are kept at WARN, Flink's
 * (translation trees, mini-cluster start-up, its warnings about itself) are not shown, this project's
 * own messages at INFO, and Beam's warning that an empty sink had no temporary files to match
 * (harmless, but it reads like an error) is not shown.
 *
 * <p>{@code --verbose} restores everything at INFO; a {@code -Dorg.slf4j.simpleLogger.*} system
 * property or a {@code simplelogger.properties} on the class path is the user's own
 * configuration, and wins.
 */
public final class RunLogging {
  static final String VERBOSE = "--verbose";
  private static final String PREFIX = "org.slf4j.simpleLogger.";

  private RunLogging() {}

  /**
   * Configures logging for this run; must run before anything creates a logger. Returns the
   * arguments without {@code --verbose}, which is not a pipeline option.
   */
  public static String[] configure(String[] args) {
    List<String> rest = new ArrayList<>();
    boolean verbose = false;
    for (String a : args) {
      if (a.equals(VERBOSE) || a.equals(VERBOSE + "=true")) {
        verbose = true;
      } else if (!a.equals(VERBOSE + "=false")) {
        rest.add(a);
      }
    }
    if (!verbose && !userConfigured()) {
      quiet();
    }
    return rest.toArray(new String[0]);
  }

  private static boolean userConfigured() {
    for (String name : System.getProperties().stringPropertyNames()) {
      if (name.startsWith(PREFIX)) {
        return true;
      }
    }
    return RunLogging.class.getClassLoader().getResource("simplelogger.properties") != null;
  }

  private static void quiet() {
    System.setProperty(PREFIX + "defaultLogLevel", "warn");
    System.setProperty(PREFIX + "log.dev.openaibeam", "info");
    // "Failed to match temporary files under: ..." when a sink wrote nothing: not a problem.
    System.setProperty(PREFIX + "log.org.apache.beam.sdk.io.FileBasedSink", "error");
    // Flink local mode warns about its own set-up on every run (operator names truncated for
    // metrics, no delegation tokens, no log file for the web UI, the fasterCopy hint), and logs a
    // failed job's exception twice with its stack trace: nothing a user of this job can act on.
    // A failure still ends the run with its exception, which the job prints once
    // (RunFailures: one line for a hopeless error, the stack trace for anything else).
    for (String noisy : new String[] {"org.apache.flink", "org.apache.beam.runners.flink", "org.apache.pekko"}) {
      System.setProperty(PREFIX + "log." + noisy, "off");
    }
  }
}
