package dev.openaibeam.jsonl;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiResponse;
import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** How result and failure lines are written: this project's own lines, or the Batch API's. */
public enum OutputFormat {
  /** {@link JsonlLines}: request, response, metadata, attempts and latency on each line. */
  NATIVE,
  /** {@link BatchFormatLines}: the Batch API's output and error file lines. */
  BATCH;

  public String resultLine(ApiResponse r) {
    return this == BATCH ? BatchFormatLines.resultLine(r) : JsonlLines.resultLine(r);
  }

  public String failureLine(ApiFailure f) {
    return this == BATCH ? BatchFormatLines.failureLine(f) : JsonlLines.failureLine(f);
  }

  /** {@code native} or {@code batch}, any case; anything else is refused, naming the choices. */
  public static OutputFormat parse(String name) {
    for (OutputFormat f : values()) {
      if (f.name().equalsIgnoreCase(name.trim())) {
        return f;
      }
    }
    throw new IllegalArgumentException("unknown output format '" + name + "'; one of "
        + Arrays.stream(values()).map(f -> f.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining(", ")));
  }
}
