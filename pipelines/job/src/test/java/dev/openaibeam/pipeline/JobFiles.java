package dev.openaibeam.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Reads a job's sink files back for assertions. */
final class JobFiles {
  private JobFiles() {}

  /** Every line of every file starting with {@code prefix}'s name in its directory. */
  static List<JsonNode> lines(Path prefix) throws IOException {
    return dev.openaibeam.testing.JsonlFiles.lines(prefix);
  }

  static String[] args(String... a) {
    return a;
  }
}
