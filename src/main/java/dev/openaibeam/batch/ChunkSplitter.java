package dev.openaibeam.batch;

import dev.openaibeam.api.ApiRequest;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * Cuts requests of one endpoint into batch input files of at most {@code maxRequests} lines and
 * {@code maxBytes} bytes. The requests are sorted by id (then body) first, so the same requests
 * always give the same chunks, whatever order the runner delivered them in. A request that alone
 * exceeds {@code maxBytes} gets a chunk of its own (the service refuses it, and its row fails).
 */
final class ChunkSplitter {
  static final Comparator<ApiRequest> ORDER =
      Comparator.comparing(ApiRequest::getId).thenComparing(ApiRequest::getBody)
          .thenComparing(r -> r.getMetadata() == null ? "" : r.getMetadata());

  private ChunkSplitter() {}

  static List<BatchChunk> split(String endpoint, List<ApiRequest> requests, int maxRequests, long maxBytes) {
    List<ApiRequest> sorted = new ArrayList<>(requests);
    sorted.sort(ORDER);
    List<BatchChunk> chunks = new ArrayList<>();
    List<ApiRequest> current = new ArrayList<>();
    long bytes = 0;
    for (ApiRequest r : sorted) {
      long size = BatchLines.lineBytes(
          BatchLines.inputLine(BatchChunk.customId(current.size()), endpoint, r.getBody()));
      if (!current.isEmpty() && (current.size() >= maxRequests || bytes + size > maxBytes)) {
        chunks.add(new BatchChunk(endpoint, current));
        current = new ArrayList<>();
        bytes = 0;
        size = BatchLines.lineBytes(BatchLines.inputLine(BatchChunk.customId(0), endpoint, r.getBody()));
      }
      current.add(r);
      bytes += size;
    }
    if (!current.isEmpty()) {
      chunks.add(new BatchChunk(endpoint, current));
    }
    return chunks;
  }
}
