package dev.openaibeam.call;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * One API call to make: the endpoint path, the JSON body exactly as it will be sent, a stable id
 * to join the answer back to its input, and pass-through metadata that is never sent.
 */
@DefaultCoder(ApiRequest.Coder.class)
public final class ApiRequest implements Serializable {
  private final String id;
  private final String endpoint;
  private final String body;
  private final @Nullable String metadata;

  private ApiRequest(String id, String endpoint, String body, @Nullable String metadata) {
    this.id = Objects.requireNonNull(id, "id");
    this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
    this.body = Objects.requireNonNull(body, "body");
    this.metadata = metadata;
  }

  /**
   * @param id stable id (the input's {@code custom_id}, or one derived from file and line)
   * @param endpoint API path such as {@code /v1/chat/completions}
   * @param body the JSON object sent as the request body
   * @param metadata a JSON value passed through to the result or failure, or null
   */
  public static ApiRequest of(String id, String endpoint, String body, @Nullable String metadata) {
    return new ApiRequest(id, endpoint, body, metadata);
  }

  public String getId() {
    return id;
  }

  public String getEndpoint() {
    return endpoint;
  }

  public String getBody() {
    return body;
  }

  public @Nullable String getMetadata() {
    return metadata;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof ApiRequest)) {
      return false;
    }
    ApiRequest that = (ApiRequest) o;
    return id.equals(that.id)
        && endpoint.equals(that.endpoint)
        && body.equals(that.body)
        && Objects.equals(metadata, that.metadata);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, endpoint, body, metadata);
  }

  @Override
  public String toString() {
    return "ApiRequest{id=" + id + ", endpoint=" + endpoint + "}";
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
      STRING.encode(value.id, out);
      STRING.encode(value.endpoint, out);
      STRING.encode(value.body, out);
      NULLABLE.encode(value.metadata, out);
    }

    @Override
    public ApiRequest decode(InputStream in) throws IOException {
      return new ApiRequest(
          STRING.decode(in), STRING.decode(in), STRING.decode(in), NULLABLE.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
