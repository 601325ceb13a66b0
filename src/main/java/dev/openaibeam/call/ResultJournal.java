package dev.openaibeam.call;

import com.google.auto.value.AutoValue;
import dev.openaibeam.api.ApiResponse;
import java.io.Serializable;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Where answers are recorded the moment they arrive, before Beam's sinks (which finalize only when
 * the whole run succeeds) see them: a directory on any Beam filesystem, one file per calling
 * instance, rolled every {@link #getRollSeconds()} seconds so object stores make them durable. A
 * crashed run re-run with resume reads this journal and skips what is in it, so it never pays twice
 * for a row that finished.
 */
@AutoValue
public abstract class ResultJournal implements Serializable {
  /** Journals each answer as the line {@code format} makes of it (one line, no newline). */
  public static ResultJournal to(String directory, SerializableFunction<ApiResponse, String> format) {
    return new AutoValue_ResultJournal(directory, format, 10, null);
  }

  public abstract String getDirectory();

  public abstract SerializableFunction<ApiResponse, String> getFormat();

  public abstract int getRollSeconds();

  /** Reads a journaled line back; null: answers are never replayed from the journal. */
  public abstract @Nullable SerializableFunction<String, ApiResponse> getReplayParser();

  public ResultJournal withRollSeconds(int seconds) {
    return new AutoValue_ResultJournal(getDirectory(), getFormat(), seconds, getReplayParser());
  }

  /**
   * Answers a row from the journal when its id is already there, instead of calling again:
   * what a calling instance restarted by the runner (a lost worker, a retried bundle) needs so
   * that rows answered before the failure are not paid twice. {@code parser} reads back a line
   * {@link #getFormat()} wrote. The journal is read when an instance is set up, so a row is
   * paid twice only if its answer was in flight on the lost worker.
   */
  public ResultJournal withReplay(SerializableFunction<String, ApiResponse> parser) {
    return new AutoValue_ResultJournal(getDirectory(), getFormat(), getRollSeconds(), parser);
  }

  /** The glob matching every journal file in the directory. */
  public String glob() {
    return resolve(getDirectory(), "part-*.jsonl");
  }

  static String resolve(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }
}
