package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One batch of the Batch API and its state; every change and read holds its lock, because the
 * HTTP calls and the scheduled steps of {@link BatchRunner} meet here.
 */
final class BatchJob {
  private static final List<String> TIMES = List.of("created_at", "in_progress_at", "finalizing_at",
      "completed_at", "failed_at", "expired_at", "cancelling_at", "cancelled_at");

  final String id;
  /** Order of creation: newest first in a listing, and the seed of the line order. */
  final long number;
  final String inputFileId;
  final String endpoint;
  final String window;
  final JsonNode metadata;
  private final Map<String, Long> times = new LinkedHashMap<>();
  String status = "validating";
  long total;
  long completed;
  long failed;
  String outputFileId;
  String errorFileId;
  ArrayNode errors;

  BatchJob(String id, long number, String inputFileId, String endpoint, String window,
      JsonNode metadata) {
    this.id = id;
    this.number = number;
    this.inputFileId = inputFileId;
    this.endpoint = endpoint;
    this.window = window;
    this.metadata = metadata;
    times.put("created_at", System.currentTimeMillis() / 1000);
  }

  /** Stamps one of the {@code *_at} times with now (epoch seconds). */
  synchronized void at(String what) {
    times.put(what, System.currentTimeMillis() / 1000);
  }

  synchronized ObjectNode toJson() {
    ObjectNode n = Answers.JSON.createObjectNode();
    n.put("id", id).put("object", "batch").put("endpoint", endpoint);
    if (errors == null) {
      n.putNull("errors");
    } else {
      n.putObject("errors").put("object", "list").set("data", errors);
    }
    n.put("input_file_id", inputFileId).put("completion_window", window).put("status", status);
    n.put("output_file_id", outputFileId).put("error_file_id", errorFileId);
    for (String t : TIMES) {
      Long v = times.get(t);
      if (v == null) {
        n.putNull(t);
      } else {
        n.put(t, v);
      }
    }
    n.put("expires_at", times.get("created_at") + 24 * 3600);
    n.putObject("request_counts").put("total", total).put("completed", completed).put("failed", failed);
    n.set("metadata", metadata == null ? Answers.JSON.nullNode() : metadata);
    return n;
  }
}
