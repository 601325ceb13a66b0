package dev.openaibeam.transport;

import dev.openaibeam.api.HopelessApiException;
import java.util.Random;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Supplier;
import org.apache.hc.client5.http.async.methods.SimpleHttpRequest;

/**
 * The few control calls a run makes one at a time (the Batch API's Files and Batches endpoints,
 * Secret Manager), through the same {@link HttpTransport} and classification as the API calls:
 * transient failures (5xx, timeouts, resets, 429 rate limits) are retried after the service's
 * retry-after or the {@link Backoff}; an invalid key or exhausted quota stops the run ({@link
 * HopelessApiException}); anything else is a {@link CallFailedException}. These calls are their
 * path's only retry layer.
 */
public final class BlockingCaller {
  private final HttpTransport transport;
  private final Backoff backoff;
  private final int maxAttempts;
  private final Random random = new Random();
  private final AtomicLong calls = new AtomicLong();

  public BlockingCaller(HttpTransport transport, Backoff backoff, int maxAttempts) {
    this.transport = transport;
    this.backoff = backoff;
    this.maxAttempts = Math.max(1, maxAttempts);
  }

  /** HTTP requests sent so far, retries included. */
  public long calls() {
    return calls.get();
  }

  /** Sends until answered, up to the configured attempts; returns the 2xx answer. */
  public CallOutcome call(String what, Supplier<SimpleHttpRequest> request, HttpTransport.Expect expect) {
    return call(what, request, expect, maxAttempts);
  }

  /**
   * As {@link #call(String, Supplier, HttpTransport.Expect)} with at most {@code attempts}
   * attempts (1 for a call that must not be repeated blindly, such as creating a batch).
   */
  public CallOutcome call(
      String what, Supplier<SimpleHttpRequest> request, HttpTransport.Expect expect, int attempts) {
    for (int attempt = 1; ; attempt++) {
      calls.incrementAndGet();
      CallOutcome outcome = await(what, transport.send(request.get(), expect));
      switch (outcome.verdict()) {
        case SUCCESS:
          return outcome;
        case FAIL_RUN:
          throw new HopelessApiException(outcome.error());
        case RETRY:
          if (attempt < attempts) {
            sleep(backoff.delayMillis(attempt, outcome.retryAfterMillis(), random));
            continue;
          }
          break;
        default:
          break;
      }
      throw new CallFailedException(what + " failed after " + attempt + " attempt(s)", outcome.error());
    }
  }

  private static CallOutcome await(String what, java.util.concurrent.Future<CallOutcome> f) {
    try {
      return f.get();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(what + ": interrupted", e);
    } catch (ExecutionException e) {
      throw new IllegalStateException(what + ": " + e.getCause(), e.getCause()); // send never fails
    }
  }

  /** Sleeps, turning an interrupt into an unchecked exception that keeps the flag. */
  public static void sleep(long millis) {
    try {
      Thread.sleep(Math.max(0, millis));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
