package dev.openaibeam.bench;

import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * {@code MixedInputs FILE ROWS}: a mixed request file for cost measurements, each line distinct:
 * 75% chat (gpt-4o-mini snapshots and gpt-4.1-nano, max_tokens 4..24, every 20th with n=2), 15%
 * embeddings (text-embedding-3-small), 10% Responses API (gpt-5-mini, max_output_tokens 16).
 */
public final class MixedInputs {
  private MixedInputs() {}

  public static void main(String[] args) throws IOException {
    Path file = Path.of(args[0]);
    int rows = Integer.parseInt(args[1]);
    Path parent = file.toAbsolutePath().getParent();
    Files.createDirectories(parent);
    try (BufferedWriter w = Files.newBufferedWriter(file, StandardCharsets.UTF_8)) {
      for (int i = 0; i < rows; i++) {
        w.write(line(i));
        w.newLine();
      }
    }
  }

  static String line(int i) {
    int kind = i % 20;
    if (kind < 3) {
      return "{\"url\":\"/v1/embeddings\",\"model\":\"text-embedding-3-small\",\"input\":\"Knowledge base article "
          + i + ": how to change the delivery address of order " + (200000 + i) + " before it ships.\"}";
    }
    if (kind < 5) {
      return "{\"url\":\"/v1/responses\",\"model\":\"gpt-5-mini\",\"input\":\"Write a one-line status note for case "
          + i + ".\",\"max_output_tokens\":16}";
    }
    String model = kind == 5 ? "gpt-4.1-nano" : "gpt-4o-mini-2024-07-18";
    String n = kind == 19 ? ",\"n\":2" : "";
    return "{\"model\":\"" + model + "\",\"messages\":[{\"role\":\"system\",\"content\":\"You label support tickets."
        + " Reply with the label only.\"},{\"role\":\"user\",\"content\":\"Ticket " + i + ": "
        + (i % 3 == 0 ? "I was charged twice for order " : "Where is my parcel? Order ") + (100000 + i)
        + ".\"}],\"max_tokens\":" + (4 + (i % 6) * 4) + n + ",\"metadata\":{\"row\":" + i + "}}";
  }
}
