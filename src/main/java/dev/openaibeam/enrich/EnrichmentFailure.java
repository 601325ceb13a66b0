package dev.openaibeam.enrich;

import dev.openaibeam.api.ApiFailure;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.util.List;
import java.util.Objects;
import org.apache.beam.sdk.coders.Coder;
import org.apache.beam.sdk.coders.NullableCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.StructuredCoder;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * An input element that was not enriched: the element itself (re-apply the transform to these to
 * replay them), the {@link ApiFailure} (its request carries the id, endpoint, body and your
 * metadata; its error says why), and, when the API answered but the join function threw, the
 * answer's body, so that it need not be paid for again.
 *
 * <p>Error codes of failures that never reached the API: {@code request_build_failed} (the request
 * function threw; attempts 0) and, after an answer, {@code join_failed}.
 */
public final class EnrichmentFailure<T> {
  private final T input;
  private final ApiFailure failure;
  private final @Nullable String responseBody;

  private EnrichmentFailure(T input, ApiFailure failure, @Nullable String responseBody) {
    this.input = input;
    this.failure = Objects.requireNonNull(failure, "failure");
    this.responseBody = responseBody;
  }

  public static <T> EnrichmentFailure<T> of(
      T input, ApiFailure failure, @Nullable String responseBody) {
    return new EnrichmentFailure<>(input, failure, responseBody);
  }

  /** The element as it entered the transform. */
  public T getInput() {
    return input;
  }

  public ApiFailure getFailure() {
    return failure;
  }

  /** The API's answer when the join function failed on it; null otherwise. */
  public @Nullable String getResponseBody() {
    return responseBody;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof EnrichmentFailure)) {
      return false;
    }
    EnrichmentFailure<?> f = (EnrichmentFailure<?>) o;
    return Objects.equals(input, f.input)
        && failure.equals(f.failure)
        && Objects.equals(responseBody, f.responseBody);
  }

  @Override
  public int hashCode() {
    return Objects.hash(input, failure, responseBody);
  }

  @Override
  public String toString() {
    return "EnrichmentFailure{" + failure + "}";
  }

  /** Coder of {@link EnrichmentFailure}, from the coder of the input elements. */
  public static final class Coder<T> extends StructuredCoder<EnrichmentFailure<T>> {
    private static final NullableCoder<String> BODY = NullableCoder.of(StringUtf8Coder.of());
    private final org.apache.beam.sdk.coders.Coder<T> inputCoder;

    private Coder(org.apache.beam.sdk.coders.Coder<T> inputCoder) {
      this.inputCoder = inputCoder;
    }

    public static <T> Coder<T> of(org.apache.beam.sdk.coders.Coder<T> inputCoder) {
      return new Coder<>(inputCoder);
    }

    @Override
    public void encode(EnrichmentFailure<T> v, OutputStream out) throws IOException {
      inputCoder.encode(v.input, out);
      ApiFailure.Coder.of().encode(v.failure, out);
      BODY.encode(v.responseBody, out);
    }

    @Override
    public EnrichmentFailure<T> decode(InputStream in) throws IOException {
      T input = inputCoder.decode(in);
      ApiFailure failure = ApiFailure.Coder.of().decode(in);
      return new EnrichmentFailure<>(input, failure, BODY.decode(in));
    }

    @Override
    public List<? extends org.apache.beam.sdk.coders.Coder<?>> getCoderArguments() {
      return List.of(inputCoder);
    }

    @Override
    public void verifyDeterministic() throws NonDeterministicException {
      verifyDeterministic(this, "the input coder must be deterministic", inputCoder);
    }
  }
}
