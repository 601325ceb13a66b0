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
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One API call to make: the endpoint path, the JSON body exactly as it will be sent, a stable id
 * to join the answer back to its input, and pass-through metadata that is never sent.
 */
@AutoValue
@DefaultCoder(ApiRequest.Coder.class)
public abstract class ApiRequest implements Serializable {
  /**
   * @param id stable id (the input's {@code custom_id}, or one derived from file and line)
   * @param endpoint API path such as {@code /v1/chat/completions}
   * @param body the JSON object sent as the request body
   * @param metadata a JSON value passed through to the result or failure, or null
   */
  public static ApiRequest of(String id, String endpoint, String body, @Nullable String metadata) {
    return new AutoValue_ApiRequest(id, endpoint, body, metadata);
  }

  public abstract String getId();

  public abstract String getEndpoint();

  public abstract String getBody();

  public abstract @Nullable String getMetadata();

  /** The same request with other metadata. */
  public ApiRequest withMetadata(@Nullable String metadata) {
    return of(getId(), getEndpoint(), getBody(), metadata);
  }

  @Override
  public String toString() {
    return "ApiRequest{id=" + getId() + ", endpoint=" + getEndpoint() + "}";
  }

  /** A compact, deterministic coder (no Java serialization on the hot path). */
  public static final class Coder extends AtomicCoder<ApiRequest> {
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();
    private static final NullableCoder<String> NULLABLE = NullableCoder.of(STRING);
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ApiRequest value, OutputStream out) throws IOException {
      STRING.encode(value.getId(), out);
      STRING.encode(value.getEndpoint(), out);
      STRING.encode(value.getBody(), out);
      NULLABLE.encode(value.getMetadata(), out);
    }

    @Override
    public ApiRequest decode(InputStream in) throws IOException {
      return ApiRequest.of(STRING.decode(in), STRING.decode(in), STRING.decode(in), NULLABLE.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
