package dev.openaibeam.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a job's sink files back for assertions. */
final class JobFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JobFiles() {}

  /** Every line of every file starting with {@code prefix}'s name in its directory. */
  static List<JsonNode> lines(Path prefix) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    Path dir = prefix.getParent();
    String name = prefix.getFileName().toString();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, name + "*.jsonl")) {
      for (Path f : files) {
        for (String line : Files.readAllLines(f, StandardCharsets.UTF_8)) {
          if (!line.isEmpty()) {
            out.add(JSON.readTree(line));
          }
        }
      }
    }
    return out;
  }

  static String[] args(String... a) {
    return a;
  }
}
