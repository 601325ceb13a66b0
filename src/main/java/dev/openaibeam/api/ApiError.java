package dev.openaibeam.api;

import com.google.auto.value.AutoValue;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
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
@AutoValue
public abstract class ApiError implements Serializable {
  /** An error body the service sent, as it sent it. */
  public static ApiError fromService(
      @Nullable Integer status,
      @Nullable String type,
      @Nullable String code,
      String message,
      @Nullable String requestId) {
    return new AutoValue_ApiError(status, type, code, message, requestId);
  }

  /** An error of this project's own, about a row that was never sent (or never answered). */
  public static ApiError of(ErrorCode code, String message) {
    return new AutoValue_ApiError(null, code.type().wireName(), code.wireName(), message, null);
  }

  /**
   * An error of this project's own kind about an answer: the status and code the service gave,
   * when it gave any.
   */
  public static ApiError of(
      ErrorType type,
      @Nullable Integer status,
      @Nullable String code,
      String message,
      @Nullable String requestId) {
    return new AutoValue_ApiError(status, type.wireName(), code, message, requestId);
  }

  public abstract @Nullable Integer getStatus();

  public abstract @Nullable String getType();

  public abstract @Nullable String getCode();

  public abstract String getMessage();

  public abstract @Nullable String getRequestId();

  /** The account has no quota or credit left: no retry and no other row can succeed. */
  public boolean isQuotaExhausted() {
    return isQuota(getType(), getCode());
  }

  /** Whether an error body's type and code say the account is out of quota or credit. */
  public static boolean isQuota(@Nullable String type, @Nullable String code) {
    return "insufficient_quota".equals(type)
        || "insufficient_quota".equals(code)
        || "credit_balance_exhausted".equals(code)
        || "billing_hard_limit_reached".equals(code);
  }

  /** Whether this is the project's error {@code code}. */
  public boolean is(ErrorCode code) {
    return code.wireName().equals(getCode()) && code.type().wireName().equals(getType());
  }

  @Override
  public String toString() {
    return "ApiError{status=" + getStatus() + ", type=" + getType() + ", code=" + getCode()
        + ", message=" + getMessage() + "}";
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
      I.encode(v.getStatus(), out);
      S.encode(v.getType(), out);
      S.encode(v.getCode(), out);
      S.encode(v.getMessage(), out);
      S.encode(v.getRequestId(), out);
    }

    @Override
    public ApiError decode(InputStream in) throws IOException {
      Integer status = I.decode(in);
      String type = S.decode(in);
      String code = S.decode(in);
      String message = S.decode(in);
      return fromService(status, type, code, message == null ? "" : message, S.decode(in));
    }

    @Override
    public void verifyDeterministic() {}
  }
}
