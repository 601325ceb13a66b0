package dev.openaibeam.call;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/** A successful answer: the request it answers, the response body, attempts made and latency. */
@DefaultCoder(ApiResponse.Coder.class)
public final class ApiResponse implements Serializable {
  private final ApiRequest request;
  private final String body;
  private final int attempts;
  private final long latencyMillis;

  private ApiResponse(ApiRequest request, String body, int attempts, long latencyMillis) {
    this.request = Objects.requireNonNull(request, "request");
    this.body = Objects.requireNonNull(body, "body");
    this.attempts = attempts;
    this.latencyMillis = latencyMillis;
  }

  public static ApiResponse of(ApiRequest request, String body, int attempts, long latencyMillis) {
    return new ApiResponse(request, body, attempts, latencyMillis);
  }

  public ApiRequest getRequest() {
    return request;
  }

  /** The response body exactly as the service sent it (JSON). */
  public String getBody() {
    return body;
  }

  public int getAttempts() {
    return attempts;
  }

  /** Milliseconds of the successful attempt, from send to the last byte of the body. */
  public long getLatencyMillis() {
    return latencyMillis;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof ApiResponse)) {
      return false;
    }
    ApiResponse r = (ApiResponse) o;
    return request.equals(r.request)
        && body.equals(r.body)
        && attempts == r.attempts
        && latencyMillis == r.latencyMillis;
  }

  @Override
  public int hashCode() {
    return Objects.hash(request, body, attempts, latencyMillis);
  }

  @Override
  public String toString() {
    return "ApiResponse{id=" + request.getId() + ", attempts=" + attempts + "}";
  }

  /** Coder for {@link ApiResponse}. */
  public static final class Coder extends AtomicCoder<ApiResponse> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ApiResponse v, OutputStream out) throws IOException {
      ApiRequest.Coder.of().encode(v.request, out);
      StringUtf8Coder.of().encode(v.body, out);
      VarIntCoder.of().encode(v.attempts, out);
      VarLongCoder.of().encode(v.latencyMillis, out);
    }

    @Override
    public ApiResponse decode(InputStream in) throws IOException {
      return new ApiResponse(
          ApiRequest.Coder.of().decode(in),
          StringUtf8Coder.of().decode(in),
          VarIntCoder.of().decode(in),
          VarLongCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
