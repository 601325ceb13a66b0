package dev.openaibeam.api;

import com.google.auto.value.AutoValue;
import com.google.common.collect.ImmutableList;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import java.util.List;
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
@AutoValue
@DefaultCoder(ApiFailure.Coder.class)
public abstract class ApiFailure implements Serializable {
  /** A request that was sent {@code attempts} times and failed. */
  public static ApiFailure of(
      ApiRequest request, ApiError error, int attempts, List<ApiError> attemptErrors) {
    return new AutoValue_ApiFailure(
        request, error, attempts, ImmutableList.copyOf(attemptErrors), null);
  }

  /** A request that never got an attempt (it can never be sent as it is). */
  public static ApiFailure notSent(ApiRequest request, ApiError error) {
    return of(request, error, 0, List.of());
  }

  /**
   * An input line that never became a request. {@code request} carries the derived id, the raw
   * line as its body (it may not be JSON) and no metadata; {@code source} is "file:line".
   */
  public static ApiFailure ofInput(ApiRequest request, ApiError error, String source) {
    return new AutoValue_ApiFailure(request, error, 0, ImmutableList.of(), source);
  }

  public abstract ApiRequest getRequest();

  public abstract ApiError getError();

  public abstract int getAttempts();

  public abstract ImmutableList<ApiError> getAttemptErrors();

  /** "file:line" for an input line that could not be parsed; null for a failed call. */
  public abstract @Nullable String getSource();

  /** The same failure of the same request with other metadata. */
  public ApiFailure withRequest(ApiRequest request) {
    return new AutoValue_ApiFailure(
        request, getError(), getAttempts(), getAttemptErrors(), getSource());
  }

  @Override
  public String toString() {
    return "ApiFailure{id=" + getRequest().getId() + ", error=" + getError() + ", attempts="
        + getAttempts() + "}";
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
      ApiRequest.Coder.of().encode(v.getRequest(), out);
      ApiError.Coder.of().encode(v.getError(), out);
      VarIntCoder.of().encode(v.getAttempts(), out);
      ERRORS.encode(v.getAttemptErrors(), out);
      S.encode(v.getSource(), out);
    }

    @Override
    public ApiFailure decode(InputStream in) throws IOException {
      return new AutoValue_ApiFailure(
          ApiRequest.Coder.of().decode(in),
          ApiError.Coder.of().decode(in),
          VarIntCoder.of().decode(in),
          ImmutableList.copyOf(ERRORS.decode(in)),
          S.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
