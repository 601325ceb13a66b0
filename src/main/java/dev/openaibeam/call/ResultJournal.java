package dev.openaibeam.call;

import java.io.Serializable;
import java.util.Objects;
import org.apache.beam.sdk.transforms.SerializableFunction;

/**
 * Where answers are recorded the moment they arrive, before Beam's sinks (which finalize only when
 * the whole run succeeds) see them: a directory on any Beam filesystem, one file per calling
 * instance, rolled every {@link #getRollSeconds()} seconds so object stores make them durable. A
 * crashed run re-run with resume reads this journal and skips what is in it, so it never pays twice
 * for a row that finished.
 */
public final class ResultJournal implements Serializable {
  private final String directory;
  private final SerializableFunction<ApiResponse, String> format;
  private final int rollSeconds;

  private ResultJournal(
      String directory, SerializableFunction<ApiResponse, String> format, int rollSeconds) {
    this.directory = Objects.requireNonNull(directory, "directory");
    this.format = Objects.requireNonNull(format, "format");
    this.rollSeconds = rollSeconds;
  }

  /** Journals each answer as the line {@code format} makes of it (one line, no newline). */
  public static ResultJournal to(String directory, SerializableFunction<ApiResponse, String> format) {
    return new ResultJournal(directory, format, 10);
  }

  public ResultJournal withRollSeconds(int seconds) {
    return new ResultJournal(directory, format, seconds);
  }

  public String getDirectory() {
    return directory;
  }

  public SerializableFunction<ApiResponse, String> getFormat() {
    return format;
  }

  public int getRollSeconds() {
    return rollSeconds;
  }

  /** The glob matching every journal file in the directory. */
  public String glob() {
    return resolve(directory, "part-*.jsonl");
  }

  static String resolve(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }
}
