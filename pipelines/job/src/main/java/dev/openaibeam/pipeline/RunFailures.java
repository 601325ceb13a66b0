package dev.openaibeam.pipeline;

import dev.openaibeam.api.HopelessApiException;

/** What a run that threw tells the user, and its exit code. */
public final class RunFailures {
  /** A hopeless error (bad key, no quota) stopped the run. */
  public static final int EXIT_HOPELESS = 2;

  private RunFailures() {}

  /**
   * Prints one line naming a hopeless error and returns {@value #EXIT_HOPELESS}; prints any other
   * failure with its stack trace and returns 1.
   */
  public static int exitCode(RuntimeException e) {
    HopelessApiException hopeless = HopelessApiException.findIn(e);
    if (hopeless != null) {
      System.err.println("openai-beam: " + hopeless.getMessage());
      return EXIT_HOPELESS;
    }
    System.err.println("openai-beam: run failed: " + e);
    e.printStackTrace(System.err);
    return 1;
  }
}
