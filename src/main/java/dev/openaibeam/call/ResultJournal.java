package dev.openaibeam.call;

import com.google.auto.value.AutoValue;
import dev.openaibeam.api.ApiResponse;
import java.io.Serializable;
import org.apache.beam.sdk.transforms.SerializableFunction;

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
    return new AutoValue_ResultJournal(directory, format, 10);
  }

  public abstract String getDirectory();

  public abstract SerializableFunction<ApiResponse, String> getFormat();

  public abstract int getRollSeconds();

  public ResultJournal withRollSeconds(int seconds) {
    return new AutoValue_ResultJournal(getDirectory(), getFormat(), seconds);
  }

  /** The glob matching every journal file in the directory. */
  public String glob() {
    return resolve(getDirectory(), "part-*.jsonl");
  }

  static String resolve(String dir, String name) {
    return dir.endsWith("/") ? dir + name : dir + "/" + name;
  }
}
