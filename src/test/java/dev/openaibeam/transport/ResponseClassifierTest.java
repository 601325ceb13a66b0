package dev.openaibeam.transport;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.HashMap;
import java.util.Map;
import java.util.OptionalLong;
import org.junit.jupiter.api.Test;

class ResponseClassifierTest {
  private static CallOutcome classify(int status, String body, String... headers) {
    Map<String, String> h = new HashMap<>();
    for (int i = 0; i < headers.length; i += 2) {
      h.put(headers[i], headers[i + 1]);
    }
    return ResponseClassifier.classify(status, h::get, body, 1_000_000, HttpTransport.Expect.JSON_OBJECT, "sk-secret-key-123");
  }

  private static String err(String message, String type, String code) {
    return "{\"error\":{\"message\":\"" + message + "\",\"type\":" + (type == null ? "null" : "\"" + type + "\"")
        + ",\"param\":null,\"code\":" + (code == null ? "null" : "\"" + code + "\"") + "}}";
  }

  @Test
  void successNeedsAJsonObject() {
    CallOutcome ok = classify(200, "{\"id\":\"x\"}", "x-request-id", "req_1");
    assertEquals(Verdict.SUCCESS, ok.verdict());
    assertNull(ok.error());
    assertEquals("req_1", ok.requestId());
    CallOutcome cut = classify(200, "{\"id\":\"x\",\"cho");
    assertEquals(Verdict.RETRY, cut.verdict());
    assertEquals("unparsable_response", cut.error().getType());
  }

  @Test
  void rateLimitsAreRetriedWithTheirKind() {
    CallOutcome r = classify(429, err("Rate limit reached for gpt-4o on requests per min (RPM): Limit 3, Used 3, Requested 1. Please try again in 20s.", "requests", "rate_limit_exceeded"), "retry-after-ms", "644", "retry-after", "1");
    assertEquals(Verdict.RETRY, r.verdict());
    assertEquals(RateLimitKind.REQUESTS, r.rateLimitKind());
    assertEquals(OptionalLong.of(644), r.retryAfterMillis(), "retry-after-ms wins");
    CallOutcome t = classify(429, err("Rate limit reached ... on tokens per min (TPM): ... Please try again in 1.5s.", "tokens", "rate_limit_exceeded"));
    assertEquals(RateLimitKind.TOKENS, t.rateLimitKind());
    assertEquals(OptionalLong.of(1500), t.retryAfterMillis(), "from the message when no header");
  }

  @Test
  void azureRateLimitMessage() {
    CallOutcome r = classify(429, "{\"error\":{\"code\":\"429\",\"message\":\"Requests to the ChatCompletions_Create Operation have exceeded rate limit. Please retry after 8 seconds.\"}}");
    assertEquals(Verdict.RETRY, r.verdict());
    assertEquals(RateLimitKind.UNKNOWN, r.rateLimitKind());
    assertEquals(OptionalLong.of(8000), r.retryAfterMillis());
  }

  @Test
  void retryAfterSecondsAndHttpDate() {
    assertEquals(OptionalLong.of(2500), classify(503, "{}", "retry-after", "2.5").retryAfterMillis());
    String inTenSeconds = java.time.format.DateTimeFormatter.RFC_1123_DATE_TIME.format(
        java.time.ZonedDateTime.now(java.time.ZoneOffset.UTC).plusSeconds(10));
    long ms = classify(503, "{}", "retry-after", inTenSeconds).retryAfterMillis().getAsLong();
    assertTrue(ms > 8_000 && ms <= 10_000, "ms=" + ms);
  }

  @Test
  void hopelessAndRowErrors() {
    assertEquals(Verdict.FAIL_ROW, classify(429, err("Request too large for gpt-4 on tokens per min (TPM): Limit 10000, Requested 12000.", "tokens", "rate_limit_exceeded")).verdict());
    assertEquals(Verdict.FAIL_RUN, classify(429, err("You exceeded your current quota", "insufficient_quota", "insufficient_quota")).verdict());
    assertEquals(Verdict.FAIL_RUN, classify(429, err("Credit balance exhausted", "invalid_request_error", "credit_balance_exhausted")).verdict());
    assertEquals(Verdict.FAIL_RUN, classify(401, err("Incorrect API key provided: sk-secret-key-123", "invalid_request_error", "invalid_api_key")).verdict());
    for (int s : new int[] {400, 403, 404, 422}) {
      assertEquals(Verdict.FAIL_ROW, classify(s, err("no", "invalid_request_error", null)).verdict(), "status " + s);
    }
    for (int s : new int[] {408, 409, 500, 502, 503, 504}) {
      assertEquals(Verdict.RETRY, classify(s, "upstream error").verdict(), "status " + s);
    }
  }

  @Test
  void shouldRetryHeaderOverridesButNeverRevivesHopeless() {
    assertEquals(Verdict.FAIL_ROW, classify(500, "{}", "x-should-retry", "false").verdict());
    assertEquals(Verdict.RETRY, classify(400, "{}", "x-should-retry", "true").verdict());
    assertEquals(Verdict.FAIL_RUN, classify(401, "{}", "x-should-retry", "true").verdict());
  }

  @Test
  void keyIsScrubbedFromMessages() {
    CallOutcome r = classify(401, err("Incorrect API key provided: sk-secret-key-123.", "invalid_request_error", "invalid_api_key"));
    assertFalse(r.error().getMessage().contains("sk-secret-key-123"));
    assertTrue(r.error().getMessage().contains("***"));
    CallOutcome raw = classify(500, "<html>key sk-secret-key-123</html>");
    assertFalse(raw.error().getMessage().contains("sk-secret-key-123"));
  }

  @Test
  void transportFailuresAreRetried() {
    // What HttpClient 5 reports when a socket stays silent, and our own deadline on the whole call.
    for (Throwable timeout : new Throwable[] {
        new java.net.SocketTimeoutException("Read timed out"),
        new java.util.concurrent.TimeoutException()}) {
      CallOutcome t = CallOutcome.transportFailure(timeout, 5);
      assertEquals(Verdict.RETRY, t.verdict());
      assertEquals("timeout", t.error().getType());
      assertEquals(0, t.status());
    }
    CallOutcome reset = CallOutcome.transportFailure(
        new java.util.concurrent.CompletionException(new IOException("Connection reset")), 5);
    assertEquals("connection_error", reset.error().getType());
    assertEquals(Verdict.RETRY, reset.verdict());
  }
}
