package dev.openaibeam.batch;

import com.google.common.hash.Hasher;
import com.google.common.hash.Hashing;
import dev.openaibeam.api.ApiRequest;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;

/**
 * The requests of one batch input file, in a fixed order. Line {@code i} gets the custom_id
 * {@code r<i>}, so the mapping back to the row (whose id may be long, or repeated) is the order
 * itself. The chunk's identity is a digest of its endpoint, ids and bodies: the same input gives
 * the same chunks, which is what lets a restarted run find its batches again.
 */
final class BatchChunk {
  final String digest;
  final String endpoint;
  final List<ApiRequest> requests;

  BatchChunk(String endpoint, List<ApiRequest> requests) {
    this(digestOf(endpoint, requests), endpoint, requests);
  }

  private BatchChunk(String digest, String endpoint, List<ApiRequest> requests) {
    this.digest = digest;
    this.endpoint = endpoint;
    this.requests = List.copyOf(requests);
  }

  static String customId(int index) {
    return "r" + index;
  }

  /** The row index of a custom_id this chunk gave out, or -1. */
  int indexOf(String customId) {
    if (customId == null || customId.length() < 2 || customId.charAt(0) != 'r') {
      return -1;
    }
    try {
      int i = Integer.parseInt(customId.substring(1));
      return i >= 0 && i < requests.size() ? i : -1;
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  static String digestOf(String endpoint, List<ApiRequest> requests) {
    Hasher h = Hashing.sha256().newHasher();
    h.putString(endpoint, StandardCharsets.UTF_8).putByte((byte) 0);
    for (ApiRequest r : requests) {
      h.putString(r.getId(), StandardCharsets.UTF_8).putByte((byte) 0);
      h.putString(r.getBody(), StandardCharsets.UTF_8).putByte((byte) 0);
    }
    return h.hash().toString().substring(0, 32);
  }

  @Override
  public String toString() {
    return "BatchChunk{" + digest + ", " + endpoint + ", " + requests.size() + " requests}";
  }

  /** Coder of a chunk. */
  static final class Coder extends AtomicCoder<BatchChunk> {
    private static final ListCoder<ApiRequest> REQUESTS = ListCoder.of(ApiRequest.Coder.of());
    private static final Coder INSTANCE = new Coder();

    static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(BatchChunk c, OutputStream out) throws IOException {
      StringUtf8Coder.of().encode(c.digest, out);
      StringUtf8Coder.of().encode(c.endpoint, out);
      REQUESTS.encode(c.requests, out);
    }

    @Override
    public BatchChunk decode(InputStream in) throws IOException {
      return new BatchChunk(StringUtf8Coder.of().decode(in), StringUtf8Coder.of().decode(in),
          REQUESTS.decode(in));
    }
  }
}
