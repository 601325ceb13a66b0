package dev.openaibeam.testing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a job's JSONL sink files back for assertions. */
public final class JsonlFiles {
  private static final ObjectMapper JSON = new ObjectMapper();

  private JsonlFiles() {}

  /** Every line of every {@code *.jsonl} file starting with {@code prefix}'s name in its directory. */
  public static List<JsonNode> lines(Path prefix) throws IOException {
    List<JsonNode> out = new ArrayList<>();
    Path dir = prefix.getParent();
    if (!Files.isDirectory(dir)) {
      return out;
    }
    try (DirectoryStream<Path> files = Files.newDirectoryStream(dir, prefix.getFileName() + "*.jsonl")) {
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
}
