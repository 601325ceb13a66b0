package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** A file of the Files API: an uploaded batch input, or a batch's output or error file. */
final class StoredFile {
  final String id;
  final String filename;
  final String purpose;
  final long bytes;
  final long createdAt;
  final String content;
  /** The parsed request lines of a batch input file; empty for the others. */
  final List<JsonNode> lines;

  StoredFile(String id, String filename, String purpose, String content, List<JsonNode> lines) {
    this.id = id;
    this.filename = filename;
    this.purpose = purpose;
    this.content = content;
    this.bytes = content.getBytes(StandardCharsets.UTF_8).length;
    this.createdAt = System.currentTimeMillis() / 1000;
    this.lines = lines;
  }

  ObjectNode toJson() {
    ObjectNode n = Answers.JSON.createObjectNode();
    n.put("id", id).put("object", "file").put("bytes", bytes).put("created_at", createdAt)
        .put("filename", filename).put("purpose", purpose).put("status", "processed");
    return n;
  }
}
