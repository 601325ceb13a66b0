package dev.openaibeam.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/** Writes benchmark inputs: chat requests of a fixed shape, each line distinct. */
public final class BenchInputs {
  private BenchInputs() {}

  /** {@code BenchInputs FILE ROWS [PAD_CHARS] [.gz]}: writes a chat request file for the scale bench. */
  public static void main(String[] args) throws IOException {
    Path file = Path.of(args[0]);
    int rows = Integer.parseInt(args[1]);
    int pad = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    String padding = "x".repeat(pad);
    try (BufferedWriter w = new BufferedWriter(new java.io.OutputStreamWriter(
        file.toString().endsWith(".gz")
            ? new java.util.zip.GZIPOutputStream(Files.newOutputStream(file), 1 << 16)
            : Files.newOutputStream(file), StandardCharsets.UTF_8), 1 << 16)) {
      for (int i = 0; i < rows; i++) {
        w.write("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"system\",\"content\":"
            + "\"Answer in one short sentence.\"},{\"role\":\"user\",\"content\":\"Request " + i
            + ": summarise the ticket about order " + (100000 + i) + ". " + padding + "\"}],\"max_tokens\":16,"
            + "\"metadata\":{\"row\":" + i + "}}");
        w.newLine();
      }
    }
  }

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
