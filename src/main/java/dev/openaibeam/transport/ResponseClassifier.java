package dev.openaibeam.transport;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.api.ApiError;
import dev.openaibeam.api.ErrorType;
import dev.openaibeam.streaming.StreamAssembler;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Locale;
import java.util.OptionalLong;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Decides what an answer means, following the official SDKs and the service's error bodies:
 * retried are 408, 409, 429 rate limits, 5xx, timeouts, resets and unparsable 2xx bodies; failed
 * at once are other 4xx and {@code Request too large}; an invalid key or exhausted quota stops the
 * run. {@code x-should-retry} overrides, except that it never makes a hopeless error retryable.
 */
public final class ResponseClassifier {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern TRY_AGAIN =
      Pattern.compile("(?i)try again in ([0-9.]+)\\s*(ms|s|sec|seconds?)\\b");
  private static final Pattern AZURE_RETRY =
      Pattern.compile("(?i)retry after ([0-9.]+) (ms|milliseconds?|s|seconds?)");

  private ResponseClassifier() {}

  /**
   * @param header the response's header lookup (first value, case-insensitive), null when absent
   * @param expect what a 2xx body must be to count as an answer
   * @param apiKey the key in use, scrubbed from any message kept (may be null or empty)
   */
  public static CallOutcome classify(
      int status,
      Function<String, String> header,
      @Nullable String body,
      long latencyNanos,
      HttpTransport.Expect expect,
      @Nullable String apiKey) {
    RateLimitHeaders rateLimits = RateLimitHeaders.parse(header);
    String requestId = requestId(header);
    if (status >= 200 && status < 300 && expect == HttpTransport.Expect.TEXT) {
      return new CallOutcome(status, body == null ? "" : body, null, Verdict.SUCCESS,
          RateLimitKind.NONE, OptionalLong.empty(), rateLimits, requestId, latencyNanos, null, -1);
    }
    if (status >= 200 && status < 300) {
      JsonNode json = parseObject(body);
      if (json != null) {
        return new CallOutcome(status, body, json, Verdict.SUCCESS, RateLimitKind.NONE,
            OptionalLong.empty(), rateLimits, requestId, latencyNanos, null, -1);
      }
      return unreadable(status, rateLimits, requestId, latencyNanos, ErrorType.UNPARSABLE_RESPONSE.wireName(),
          "the service answered " + status + " with a body that is not a JSON object ("
              + (body == null ? 0 : body.length()) + " chars)");
    }

    JsonNode err = errorNode(body);
    String type = text(err, "type");
    String code = text(err, "code");
    String message = scrub(text(err, "message"), apiKey);
    if (message == null) {
      message = "HTTP " + status + (body == null || body.isEmpty() ? "" : ": " + scrub(abbreviate(body), apiKey));
    }
    ApiError error = ApiError.fromService(status, type, code, message, requestId);

    Verdict verdict;
    RateLimitKind kind = RateLimitKind.NONE;
    if (status == 401) {
      verdict = Verdict.FAIL_RUN;
    } else if (ApiError.isQuota(type, code)) {
      verdict = Verdict.FAIL_RUN;
    } else if (status == 429) {
      if (message.startsWith("Request too large")) {
        verdict = Verdict.FAIL_ROW;
      } else {
        verdict = Verdict.RETRY;
        kind = rateLimitKind(type, message);
      }
    } else if (status == 408 || status == 409 || status >= 500) {
      verdict = Verdict.RETRY;
    } else {
      verdict = Verdict.FAIL_ROW;
    }
    String shouldRetry = header.apply("x-should-retry");
    if (shouldRetry != null && verdict != Verdict.FAIL_RUN) {
      if (shouldRetry.equalsIgnoreCase("true")) {
        verdict = Verdict.RETRY;
      } else if (shouldRetry.equalsIgnoreCase("false")) {
        verdict = Verdict.FAIL_ROW;
      }
    }
    OptionalLong retryAfter = retryAfterMillis(header, message);
    return new CallOutcome(status, body, null, verdict, kind, retryAfter, rateLimits, requestId,
        latencyNanos, error, -1);
  }

  /**
   * An API answer: a complete event stream is the answer it assembled into; one cut short, or with
   * an error inside, is an unreadable answer; any other body is classified as a JSON answer.
   */
  static CallOutcome answered(
      AnswerConsumer.Answer a, long latencyNanos, HttpTransport.Expect expect, @Nullable String apiKey) {
    StreamAssembler.Assembled s = a.assembled();
    long firstToken = a.firstTokenNanos();
    if (s == null) {
      return classify(a.status(), a::header, a.body(), latencyNanos, expect, apiKey);
    }
    RateLimitHeaders rateLimits = RateLimitHeaders.parse(a::header);
    String requestId = requestId(a::header);
    if (s.answer() != null) {
      return new CallOutcome(a.status(), s.answer().toString(), s.answer(), Verdict.SUCCESS,
          RateLimitKind.NONE, OptionalLong.empty(), rateLimits, requestId, latencyNanos, null, firstToken);
    }
    if (s.error() != null) {
      String type = text(s.error(), "type");
      String message = scrub(text(s.error(), "message"), apiKey);
      return unreadable(a.status(), rateLimits, requestId, latencyNanos,
          type == null ? ErrorType.UNPARSABLE_RESPONSE.wireName() : type,
          "the stream ended with an error: " + (message == null ? s.error().toString() : message));
    }
    return unreadable(a.status(), rateLimits, requestId, latencyNanos,
        ErrorType.UNPARSABLE_RESPONSE.wireName(), s.problem());
  }

  /** A 2xx answer that cannot be read: retried (once; the retry layer counts it possibly billed). */
  static CallOutcome unreadable(
      int status, RateLimitHeaders rateLimits, @Nullable String requestId, long latencyNanos,
      String type, String message) {
    ApiError e = ApiError.fromService(status, type, null, message, requestId);
    return new CallOutcome(status, null, null, Verdict.RETRY, RateLimitKind.NONE,
        OptionalLong.empty(), rateLimits, requestId, latencyNanos, e, -1);
  }

  private static @Nullable String requestId(Function<String, String> header) {
    String requestId = header.apply("x-request-id");
    return requestId != null ? requestId : header.apply("apim-request-id");
  }

  /** No HTTP answer came back. */
  static CallOutcome transport(Throwable t, long latencyNanos, @Nullable String apiKey) {
    Throwable cause = t;
    while ((cause instanceof CompletionException || cause instanceof ExecutionException)
        && cause.getCause() != null) {
      cause = cause.getCause();
    }
    // The socket's timeouts, and our own deadline on the whole call.
    boolean timeout = cause instanceof InterruptedIOException || cause instanceof TimeoutException;
    ErrorType type;
    if (timeout) {
      type = ErrorType.TIMEOUT;
    } else if (cause instanceof IOException || cause instanceof CancellationException) {
      type = ErrorType.CONNECTION_ERROR;
    } else {
      type = ErrorType.CLIENT_ERROR;
    }
    String what = cause == null ? "unknown error" : cause.getClass().getSimpleName()
        + (cause.getMessage() == null ? "" : ": " + cause.getMessage());
    ApiError e = ApiError.of(type, null, null, scrub(what, apiKey), null);
    return new CallOutcome(0, null, null, Verdict.RETRY, RateLimitKind.NONE, OptionalLong.empty(),
        RateLimitHeaders.none(), null, latencyNanos, e, -1);
  }

  private static RateLimitKind rateLimitKind(@Nullable String type, String message) {
    if ("requests".equals(type) || message.contains("(RPM)")) {
      return RateLimitKind.REQUESTS;
    }
    if ("tokens".equals(type) || message.contains("(TPM)")) {
      return RateLimitKind.TOKENS;
    }
    return RateLimitKind.UNKNOWN;
  }

  /** {@code retry-after-ms}, else {@code retry-after} (seconds or HTTP date), else the message. */
  static OptionalLong retryAfterMillis(Function<String, String> header, @Nullable String message) {
    String ms = header.apply("retry-after-ms");
    if (ms != null) {
      try {
        return OptionalLong.of(Math.max(0, (long) Math.ceil(Double.parseDouble(ms.trim()))));
      } catch (NumberFormatException ignored) {
        // fall through
      }
    }
    String ra = header.apply("retry-after");
    if (ra != null) {
      try {
        return OptionalLong.of(Math.max(0, (long) Math.ceil(Double.parseDouble(ra.trim()) * 1000)));
      } catch (NumberFormatException notSeconds) {
        try {
          ZonedDateTime at = ZonedDateTime.parse(ra.trim(), DateTimeFormatter.RFC_1123_DATE_TIME);
          return OptionalLong.of(Math.max(0, Duration.between(ZonedDateTime.now(at.getZone()), at).toMillis()));
        } catch (DateTimeParseException ignored) {
          // fall through
        }
      }
    }
    if (message != null) {
      for (Pattern p : new Pattern[] {TRY_AGAIN, AZURE_RETRY}) {
        Matcher m = p.matcher(message);
        if (m.find()) {
          double v = Double.parseDouble(m.group(1));
          boolean millis = m.group(2).toLowerCase(Locale.ROOT).startsWith("m");
          return OptionalLong.of((long) Math.ceil(millis ? v : v * 1000));
        }
      }
    }
    return OptionalLong.empty();
  }

  private static @Nullable JsonNode parseObject(@Nullable String body) {
    if (body == null || body.isEmpty()) {
      return null;
    }
    try {
      JsonNode n = JSON.readTree(body);
      return n != null && n.isObject() ? n : null;
    } catch (IOException e) {
      return null;
    }
  }

  private static @Nullable JsonNode errorNode(@Nullable String body) {
    JsonNode n = parseObject(body);
    if (n == null) {
      return null;
    }
    JsonNode e = n.get("error");
    return e != null && e.isObject() ? e : n;
  }

  private static @Nullable String text(@Nullable JsonNode n, String field) {
    if (n == null) {
      return null;
    }
    JsonNode v = n.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    return v.isTextual() ? v.asText() : v.toString();
  }

  /** Removes the key from anything we keep or print. */
  static @Nullable String scrub(@Nullable String s, @Nullable String apiKey) {
    if (s == null || apiKey == null || apiKey.length() < 4) {
      return s;
    }
    return s.replace(apiKey, "***");
  }

  private static String abbreviate(String s) {
    return s.length() <= 300 ? s : s.substring(0, 300) + "...";
  }
}
