package dev.openaibeam.call;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * What went wrong with one attempt, in the shape of the API's error body: HTTP status (null when no
 * response came back), {@code type}, {@code code}, {@code message}, and the service's {@code
 * x-request-id} for support tickets.
 */
public final class ApiError implements Serializable {
  private final @Nullable Integer status;
  private final @Nullable String type;
  private final @Nullable String code;
  private final String message;
  private final @Nullable String requestId;

  private ApiError(
      @Nullable Integer status,
      @Nullable String type,
      @Nullable String code,
      String message,
      @Nullable String requestId) {
    this.status = status;
    this.type = type;
    this.code = code;
    this.message = Objects.requireNonNull(message, "message");
    this.requestId = requestId;
  }

  public static ApiError of(
      @Nullable Integer status,
      @Nullable String type,
      @Nullable String code,
      String message,
      @Nullable String requestId) {
    return new ApiError(status, type, code, message, requestId);
  }

  public @Nullable Integer getStatus() {
    return status;
  }

  public @Nullable String getType() {
    return type;
  }

  public @Nullable String getCode() {
    return code;
  }

  public String getMessage() {
    return message;
  }

  public @Nullable String getRequestId() {
    return requestId;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof ApiError)) {
      return false;
    }
    ApiError e = (ApiError) o;
    return Objects.equals(status, e.status)
        && Objects.equals(type, e.type)
        && Objects.equals(code, e.code)
        && message.equals(e.message)
        && Objects.equals(requestId, e.requestId);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, type, code, message, requestId);
  }

  @Override
  public String toString() {
    return "ApiError{status=" + status + ", type=" + type + ", code=" + code + ", message="
        + message + "}";
  }

  /** Coder for {@link ApiError}. */
  public static final class Coder extends AtomicCoder<ApiError> {
    private static final NullableCoder<String> S = NullableCoder.of(StringUtf8Coder.of());
    private static final NullableCoder<Integer> I = NullableCoder.of(VarIntCoder.of());
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ApiError v, OutputStream out) throws IOException {
      I.encode(v.status, out);
      S.encode(v.type, out);
      S.encode(v.code, out);
      S.encode(v.message, out);
      S.encode(v.requestId, out);
    }

    @Override
    public ApiError decode(InputStream in) throws IOException {
      Integer status = I.decode(in);
      String type = S.decode(in);
      String code = S.decode(in);
      String message = S.decode(in);
      return new ApiError(status, type, code, message == null ? "" : message, S.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
