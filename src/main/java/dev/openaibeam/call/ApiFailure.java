package dev.openaibeam.call;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DefaultCoder;
import org.apache.beam.sdk.coders.ListCoder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarIntCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * A row that did not get an answer: its request (replayable), the final error, every attempt's
 * error, and for a line that could not be parsed the raw line and where it came from.
 */
@DefaultCoder(ApiFailure.Coder.class)
public final class ApiFailure implements Serializable {
  private final ApiRequest request;
  private final ApiError error;
  private final int attempts;
  private final List<ApiError> attemptErrors;
  private final @Nullable String source;

  private ApiFailure(
      ApiRequest request,
      ApiError error,
      int attempts,
      List<ApiError> attemptErrors,
      @Nullable String source) {
    this.request = Objects.requireNonNull(request, "request");
    this.error = Objects.requireNonNull(error, "error");
    this.attempts = attempts;
    this.attemptErrors = List.copyOf(attemptErrors);
    this.source = source;
  }

  /** A request that was sent {@code attempts} times and failed. */
  public static ApiFailure of(
      ApiRequest request, ApiError error, int attempts, List<ApiError> attemptErrors) {
    return new ApiFailure(request, error, attempts, attemptErrors, null);
  }

  /**
   * An input line that never became a request. {@code request} carries the derived id, the raw
   * line as its body (it may not be JSON) and no metadata; {@code source} is "file:line".
   */
  public static ApiFailure ofInput(ApiRequest request, ApiError error, String source) {
    return new ApiFailure(request, error, 0, List.of(), source);
  }

  public ApiRequest getRequest() {
    return request;
  }

  public ApiError getError() {
    return error;
  }

  public int getAttempts() {
    return attempts;
  }

  public List<ApiError> getAttemptErrors() {
    return attemptErrors;
  }

  /** "file:line" for an input line that could not be parsed; null for a failed call. */
  public @Nullable String getSource() {
    return source;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof ApiFailure)) {
      return false;
    }
    ApiFailure f = (ApiFailure) o;
    return request.equals(f.request)
        && error.equals(f.error)
        && attempts == f.attempts
        && attemptErrors.equals(f.attemptErrors)
        && Objects.equals(source, f.source);
  }

  @Override
  public int hashCode() {
    return Objects.hash(request, error, attempts, attemptErrors, source);
  }

  @Override
  public String toString() {
    return "ApiFailure{id=" + request.getId() + ", error=" + error + ", attempts=" + attempts + "}";
  }

  /** Coder for {@link ApiFailure}. */
  public static final class Coder extends AtomicCoder<ApiFailure> {
    private static final ListCoder<ApiError> ERRORS = ListCoder.of(ApiError.Coder.of());
    private static final NullableCoder<String> S = NullableCoder.of(StringUtf8Coder.of());
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(ApiFailure v, OutputStream out) throws IOException {
      ApiRequest.Coder.of().encode(v.request, out);
      ApiError.Coder.of().encode(v.error, out);
      VarIntCoder.of().encode(v.attempts, out);
      ERRORS.encode(v.attemptErrors, out);
      S.encode(v.source, out);
    }

    @Override
    public ApiFailure decode(InputStream in) throws IOException {
      return new ApiFailure(
          ApiRequest.Coder.of().decode(in),
          ApiError.Coder.of().decode(in),
          VarIntCoder.of().decode(in),
          ERRORS.decode(in),
          S.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
