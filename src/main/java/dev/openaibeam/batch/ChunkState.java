package dev.openaibeam.batch;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.channels.Channels;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResolveOptions.StandardResolveOptions;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The persisted state of one chunk: which batches were created for it, round by round. One small
 * JSON file per chunk ({@code chunk-<digest>.json}) in a directory on any Beam filesystem, written
 * right after each batch is created, so that a restarted run polls that batch instead of uploading
 * and paying again.
 */
final class ChunkState {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** One submission: the uploaded file and the batch created on it. */
  static final class Round {
    final int number;
    final String inputFileId;
    final String batchId;
    final int requests;

    Round(int number, String inputFileId, String batchId, int requests) {
      this.number = number;
      this.inputFileId = inputFileId;
      this.batchId = batchId;
      this.requests = requests;
    }
  }

  final String chunk;
  final String endpoint;
  final int rows;
  final List<Round> rounds;

  ChunkState(String chunk, String endpoint, int rows, List<Round> rounds) {
    this.chunk = chunk;
    this.endpoint = endpoint;
    this.rows = rows;
    this.rounds = List.copyOf(rounds);
  }

  ChunkState plus(Round r) {
    List<Round> more = new ArrayList<>(rounds);
    more.add(r);
    return new ChunkState(chunk, endpoint, rows, more);
  }

  String toJson() {
    ObjectNode n = JSON.createObjectNode();
    n.put("chunk", chunk).put("endpoint", endpoint).put("rows", rows);
    ArrayNode a = n.putArray("rounds");
    for (Round r : rounds) {
      a.addObject().put("round", r.number).put("input_file_id", r.inputFileId)
          .put("batch_id", r.batchId).put("requests", r.requests);
    }
    return n.toString();
  }

  static ChunkState fromJson(String json) throws IOException {
    JsonNode n = JSON.readTree(json);
    List<Round> rounds = new ArrayList<>();
    for (JsonNode r : n.path("rounds")) {
      rounds.add(new Round(r.path("round").asInt(), r.path("input_file_id").asText(),
          r.path("batch_id").asText(), r.path("requests").asInt()));
    }
    return new ChunkState(n.path("chunk").asText(), n.path("endpoint").asText(), n.path("rows").asInt(), rounds);
  }

  /** Reads and writes chunk states under one directory. */
  static final class Store {
    private final String directory;

    Store(String directory) {
      this.directory = directory.endsWith("/") ? directory : directory + "/";
    }

    private ResourceId file(String chunk) {
      return FileSystems.matchNewResource(directory, true)
          .resolve("chunk-" + chunk + ".json", StandardResolveOptions.RESOLVE_FILE);
    }

    @Nullable ChunkState read(String chunk) throws IOException {
      MatchResult m = FileSystems.match(file(chunk).toString(), EmptyMatchTreatment.ALLOW);
      if (m.status() != MatchResult.Status.OK || m.metadata().isEmpty()) {
        return null;
      }
      try (InputStream in = Channels.newInputStream(FileSystems.open(m.metadata().get(0).resourceId()))) {
        String json = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        ChunkState s = fromJson(json);
        return s.chunk.equals(chunk) && !s.rounds.isEmpty() ? s : null;
      }
    }

    void write(ChunkState s) throws IOException {
      ResourceId dir = FileSystems.matchNewResource(directory, true);
      if (dir.getScheme().equals("file")) {
        java.nio.file.Files.createDirectories(java.nio.file.Path.of(dir.toString()));
      }
      // Written aside, then renamed: a crash mid-write must not leave a half state behind.
      ResourceId tmp = FileSystems.matchNewResource(directory, true)
          .resolve(".chunk-" + s.chunk + ".json.tmp", StandardResolveOptions.RESOLVE_FILE);
      try (OutputStream out = Channels.newOutputStream(FileSystems.create(tmp, "application/json"))) {
        out.write(s.toJson().getBytes(StandardCharsets.UTF_8));
      }
      FileSystems.rename(List.of(tmp), List.of(file(s.chunk)));
    }
  }
}
