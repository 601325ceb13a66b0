package dev.openaibeam.api;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A successful answer: the request it answers, the response body, attempts made, latency, the
 * service's request id and, for a streamed answer, the time to its first token.
 */
@AutoValue
@DefaultCoder(ApiResponse.Coder.class)
public abstract class ApiResponse implements Serializable {
  public static ApiResponse of(ApiRequest request, String body, int attempts, long latencyMillis) {
    return of(request, body, attempts, latencyMillis, null, -1);
  }

  /**
   * @param requestId the service's {@code x-request-id} (null when it sent none)
   * @param firstTokenMillis from send to the first content of a streamed answer; -1 when the
   *     answer was not streamed
   */
  public static ApiResponse of(
      ApiRequest request, String body, int attempts, long latencyMillis,
      @Nullable String requestId, long firstTokenMillis) {
    return new AutoValue_ApiResponse(request, body, attempts, latencyMillis, requestId, firstTokenMillis);
  }

  public abstract ApiRequest getRequest();

  /** The response body exactly as the service sent it (JSON). */
  public abstract String getBody();

  public abstract int getAttempts();

  /** Milliseconds of the successful attempt, from send to the last byte of the body. */
  public abstract long getLatencyMillis();

  public abstract @Nullable String getRequestId();

  /** Milliseconds from send to the first token of a streamed answer; -1 when not streamed. */
  public abstract long getFirstTokenMillis();

  public boolean isStreamed() {
    return getFirstTokenMillis() >= 0;
  }

  @Override
  public String toString() {
    return "ApiResponse{id=" + getRequest().getId() + ", attempts=" + getAttempts() + "}";
  }

  /** Coder for {@link ApiResponse}. */
  public static final class Coder extends AtomicCoder<ApiResponse> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ApiResponse v, OutputStream out) throws IOException {
      ApiRequest.Coder.of().encode(v.getRequest(), out);
      StringUtf8Coder.of().encode(v.getBody(), out);
      VarIntCoder.of().encode(v.getAttempts(), out);
      VarLongCoder.of().encode(v.getLatencyMillis(), out);
      NullableCoder.of(StringUtf8Coder.of()).encode(v.getRequestId(), out);
      VarLongCoder.of().encode(v.getFirstTokenMillis(), out);
    }

    @Override
    public ApiResponse decode(InputStream in) throws IOException {
      return ApiResponse.of(
          ApiRequest.Coder.of().decode(in),
          StringUtf8Coder.of().decode(in),
          VarIntCoder.of().decode(in),
          VarLongCoder.of().decode(in),
          NullableCoder.of(StringUtf8Coder.of()).decode(in),
          VarLongCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
