package dev.openaibeam.emulator;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.netty.handler.codec.http.HttpHeaders;
import java.io.IOException;
import java.util.Random;

/**
 * One call to chat completions, completions, embeddings or responses, in the service's order:
 * parse the body, check the model ({@link ModelCatalogue}), the fields ({@link
 * RequestValidation}) and the account, count the tokens, draw the seeded fault, ask the key's
 * buckets, then answer after the latency model's delay, whole or streamed ({@link
 * StreamedAnswers}). Runs on the event loop: every step is short and none blocks.
 */
final class ApiCalls {
  private final EmulatorConfig config;
  private final StatsRecorder stats;
  private final RateLimiter limits;
  private final FaultInjector faults;
  private final Random latencyDraws;
  private final ModelCatalogue models;

  ApiCalls(EmulatorConfig config, StatsRecorder stats, RateLimiter limits, FaultInjector faults,
      ModelCatalogue models) {
    this.config = config;
    this.models = models;
    this.stats = stats;
    this.limits = limits;
    this.faults = faults;
    this.latencyDraws = new Random(config.latencySeed);
  }

  /**
   * @param endpoint the OpenAI path, also for an Azure deployment URL
   * @param deployment the Azure deployment (the model when the body names none), or null
   * @param headers {@link Reply#apiHeaders} so far; the rate-limit headers are added here
   */
  Reply call(Request req, String endpoint, String deployment, String key, String requestId,
      HttpHeaders headers) {
    KeyBuckets buckets = limits.bucketsFor(key);
    // The levels now, for an answer that charges nothing; an accepted call's are set again below.
    buckets.headers(headers, System.nanoTime());
    String raw = req.body();
    JsonNode body = parse(raw);
    if (body == null || !body.isObject()) {
      return bad(400, ErrorBodies.error("We could not parse the JSON body of your request.",
          "invalid_request_error", null), headers);
    }
    String model = body.path("model").asText(deployment == null ? "" : deployment);
    if (model.isEmpty()) {
      return bad(400, ErrorBodies.error("you must provide a model parameter", "invalid_request_error",
          null), headers);
    }
    if (!models.exists(model, deployment != null)) {
      return bad(404, ModelCatalogue.notFound(model), headers);
    }
    String problem = RequestValidation.problem(endpoint, body);
    if (problem != null) {
      return bad(400, problem, headers);
    }
    if (config.quotaExhaustedKeys.contains(key) || buckets.outOfQuota()) {
      return outOfQuota(key, headers);
    }
    TokenCharge charge = TokenCounter.charge(endpoint, body);
    if (buckets.tpm > 0 && charge.total() > buckets.tpm) {
      stats.tooLarge.incrementAndGet();
      return RateLimiter.tooLarge(model, buckets.tpm, charge.total(), headers);
    }

    String digest = Answers.digest(raw);
    FaultInjector.Attempt attempt = faults.attempt(digest, key);
    if (attempt.repeatsASuccess()) {
      stats.repeatedAfterSuccess.incrementAndGet();
    }
    // Faults come before the buckets: a failed call costs the key nothing.
    switch (attempt.fault()) {
      case STATUS_500:
        stats.faults500.incrementAndGet();
        return new Reply(500, FaultInjector.status500Body(), headers);
      case STATUS_503:
        stats.faults503.incrementAndGet();
        return new Reply(503, FaultInjector.status503Body(), headers);
      case RESET:
        stats.resets.incrementAndGet();
        return Reply.fault(Reply.Delivery.RESET, 0);
      case HANG:
        stats.hangs.incrementAndGet();
        return Reply.fault(Reply.Delivery.HANG, config.hangMillis);
      default:
        break;
    }

    KeyBuckets.Admission admission = buckets.admitAndReport(charge.total(), System.nanoTime(), headers);
    if (admission == KeyBuckets.OUT_OF_QUOTA) { // used up by calls since the check above
      return outOfQuota(key, headers);
    }
    if (!admission.admitted) {
      ("requests".equals(admission.kind) ? stats.rateLimitedRequests : stats.rateLimitedTokens)
          .incrementAndGet();
      stats.key(key).rateLimited.increment();
      return limits.limited(buckets, admission, model, charge.total(), requestId);
    }
    // Set at admission, after the charge, as OpenAI reports it: 9,999 remaining after one call at
    // 10,000 RPM.
    stats.accepted(key, charge.total());
    headers.add("x-emulator-digest", digest);
    Reply ok = answer(endpoint, model, body, digest, charge, headers).after(latency());
    if (attempt.fault() == FaultPlan.Fault.TRUNCATED) {
      ok.delivery = Reply.Delivery.TRUNCATED;
      ok.beforeWrite = stats.truncated::incrementAndGet;
    } else {
      ok.beforeWrite = () -> faults.answered(attempt);
    }
    return ok;
  }

  /** The service's 429 {@code insufficient_quota}: the account has no quota (left). */
  private Reply outOfQuota(String key, HttpHeaders headers) {
    stats.quotaErrors.incrementAndGet();
    stats.key(key).quotaErrors.increment();
    return new Reply(429, ErrorBodies.error("You exceeded your current quota, please check your "
        + "plan and billing details.", "insufficient_quota", "insufficient_quota"), headers);
  }

  private static Reply answer(String endpoint, String model, JsonNode body, String digest,
      TokenCharge charge, HttpHeaders headers) {
    if (!RequestValidation.isStream(body) || endpoint.equals("/v1/embeddings")) {
      return new Reply(200, Answers.answer(endpoint, model, body, digest, charge), headers);
    }
    ObjectNode answer = Answers.answerNode(endpoint, model, body, digest, charge);
    return Reply.stream(StreamedAnswers.events(endpoint, answer, body), headers);
  }

  private long latency() {
    synchronized (latencyDraws) { // one seeded sequence shared by the event loops
      return config.latency.sampleMillis(latencyDraws);
    }
  }

  private Reply bad(int status, String body, HttpHeaders headers) {
    stats.badRequests.incrementAndGet();
    return new Reply(status, body, headers);
  }

  private static JsonNode parse(String raw) {
    try {
      return Answers.JSON.readTree(raw);
    } catch (IOException e) {
      return null;
    }
  }
}
