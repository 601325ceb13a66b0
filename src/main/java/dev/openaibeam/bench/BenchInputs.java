package dev.openaibeam.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes benchmark inputs: chat requests of a fixed shape, each line distinct. */
final class BenchInputs {
  private BenchInputs() {}

  static Path chats(Path dir, String name, int rows, int maxTokens) throws IOException {
    Files.createDirectories(dir);
    Path file = dir.resolve(name);
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (int i = 0; i < rows; i++) {
        w.write("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":"
            + "\"Answer in one short sentence.\"},{\"role\":\"user\",\"content\":\"Request " + i
            + ": summarise the ticket about order " + (100000 + i) + ".\"}],\"max_tokens\":"
            + maxTokens + ",\"metadata\":{\"row\":" + i + "}}");
        w.newLine();
      }
    }
    return file;
  }

  /** Non-empty lines in the files of a sink prefix. */
  static long countLines(Path prefix) throws IOException {
    long n = 0;
    Path dir = prefix.getParent();
    if (!Files.isDirectory(dir)) {
      return 0;
    }
    try (var files = Files.newDirectoryStream(dir, prefix.getFileName() + "*")) {
      for (Path f : files) {
        if (!Files.isRegularFile(f)) {
          continue; // the result journal
        }
        try (var lines = Files.lines(f, StandardCharsets.UTF_8)) {
          n += lines.filter(l -> !l.isEmpty()).count();
        }
      }
    }
    return n;
  }
}
