package dev.openaibeam.cost;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

/** Usage of each endpoint's answer, priced with cached input and the batch discount. */
class UsagePricingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final PriceTable PRICES = PriceTable.bundled();

  private static TokenUsage usage(String body) throws Exception {
    JsonNode n = JSON.readTree(body);
    return TokenUsage.fromResponse(n).orElseThrow();
  }

  @Test
  void chatCompletionsWithCachedTokens() throws Exception {
    TokenUsage u = usage("{\"model\":\"gpt-4o-mini-2024-07-18\",\"usage\":{\"prompt_tokens\":1000,"
        + "\"completion_tokens\":200,\"total_tokens\":1200,"
        + "\"prompt_tokens_details\":{\"cached_tokens\":400}}}");
    assertEquals(TokenUsage.of(1000, 400, 200), u);
    // 600 x 0.15 + 400 x 0.075 + 200 x 0.60 = 240 $ per million tokens -> $0.000240.
    assertEquals(240_000L, (long) PRICES.nanoUsd("gpt-4o-mini", u, PricingMode.ONLINE).get());
    assertEquals(120_000L, (long) PRICES.nanoUsd("gpt-4o-mini", u, PricingMode.BATCH).get());
  }

  @Test
  void responsesApiWithCachedTokens() throws Exception {
    TokenUsage u = usage("{\"object\":\"response\",\"usage\":{\"input_tokens\":2000,"
        + "\"input_tokens_details\":{\"cached_tokens\":1000},\"output_tokens\":500,"
        + "\"output_tokens_details\":{\"reasoning_tokens\":300},\"total_tokens\":2500}}");
    assertEquals(TokenUsage.of(2000, 1000, 500), u);
    // gpt-5: 1000 x 1.25 + 1000 x 0.125 + 500 x 10 = 6375 -> $0.006375.
    assertEquals(6_375_000L, (long) PRICES.nanoUsd("gpt-5", u, PricingMode.ONLINE).get());
  }

  @Test
  void embeddingsArePromptOnly() throws Exception {
    TokenUsage u = usage("{\"object\":\"list\",\"usage\":{\"prompt_tokens\":5000,\"total_tokens\":5000}}");
    assertEquals(TokenUsage.of(5000, 0, 0), u);
    // 5000 x 0.02 = 100 -> $0.0001.
    assertEquals(100_000L, (long) PRICES.nanoUsd("text-embedding-3-small", u, PricingMode.ONLINE).get());
    assertEquals(0.0001, PRICES.usd("text-embedding-3-small", u, PricingMode.ONLINE).get(), 1e-12);
  }

  @Test
  void aModelWithoutCacheDiscountPricesCachedTokensAsInput() {
    TokenUsage u = TokenUsage.of(1000, 1000, 0);
    assertEquals(
        PRICES.nanoUsd("gpt-4-turbo", TokenUsage.of(1000, 0, 0), PricingMode.ONLINE),
        PRICES.nanoUsd("gpt-4-turbo", u, PricingMode.ONLINE));
  }

  @Test
  void missingUsageIsEmptyNotZero() throws Exception {
    assertTrue(TokenUsage.fromResponse(JSON.readTree("{\"id\":\"x\"}")).isEmpty());
    assertTrue(TokenUsage.fromResponse(null).isEmpty());
  }
}
