package dev.openaibeam.api;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/** A successful answer: the request it answers, the response body, attempts made and latency. */
@AutoValue
@DefaultCoder(ApiResponse.Coder.class)
public abstract class ApiResponse implements Serializable {
  public static ApiResponse of(ApiRequest request, String body, int attempts, long latencyMillis) {
    return new AutoValue_ApiResponse(request, body, attempts, latencyMillis);
  }

  public abstract ApiRequest getRequest();

  /** The response body exactly as the service sent it (JSON). */
  public abstract String getBody();

  public abstract int getAttempts();

  /** Milliseconds of the successful attempt, from send to the last byte of the body. */
  public abstract long getLatencyMillis();

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
    }

    @Override
    public ApiResponse decode(InputStream in) throws IOException {
      return ApiResponse.of(
          ApiRequest.Coder.of().decode(in),
          StringUtf8Coder.of().decode(in),
          VarIntCoder.of().decode(in),
          VarLongCoder.of().decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
