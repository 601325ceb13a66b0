package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.cost.ModelPrice;
import dev.openaibeam.cost.PriceTable;
import dev.openaibeam.pool.KeyPool;
import dev.openaibeam.store.BudgetStore;
import dev.openaibeam.testing.Withers;
import dev.openaibeam.transport.Backoff;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class OpenAiCallConfigurationTest {
  private static final OpenAiConnection OTHER =
      OpenAiConnection.to("http://127.0.0.1:9/v1").withApiKey(ApiKeySource.fromFile("/k"));
  private static final Backoff QUICK =
      Backoff.standard().withInitial(Duration.ofMillis(20)).withMax(Duration.ofMillis(80));
  private static final ResultJournal JOURNAL = ResultJournal.to("/tmp/j", ApiResponse::getBody);
  private static final PriceTable PRICES = PriceTable.empty().withPrice("m", ModelPrice.of(1, 2));

  @Test
  void givenAnyOrderOfWithCalls_theConfigurationIsTheSame() {
    Map<String, UnaryOperator<OpenAiCall>> withers = new LinkedHashMap<>();
    withers.put("withKeyPool", c -> c.withKeyPool(KeyPool.single(OTHER)));
    withers.put("withMaxAttempts", c -> c.withMaxAttempts(3));
    withers.put("withBackoff", c -> c.withBackoff(QUICK));
    withers.put("withMaxInFlight", c -> c.withMaxInFlight(7));
    withers.put("withRowDeadline", c -> c.withRowDeadline(Duration.ofMinutes(5)));
    withers.put("withRequestsPerMinute", c -> c.withRequestsPerMinute(600));
    withers.put("withTokensPerMinute", c -> c.withTokensPerMinute(90_000));
    withers.put("withRateLimitWindow", c -> c.withRateLimitWindow(Duration.ofSeconds(60)));
    withers.put("withHeadroom", c -> c.withHeadroom(0.9));
    withers.put("withJitterAllowance", c -> c.withJitterAllowance(Duration.ofMillis(10)));
    withers.put("withBudgetShards", c -> c.withBudgetShards(2));
    withers.put("withModelGroup", c -> c.withModelGroup("gpt-4o"));
    withers.put("withTokenEncoding", c -> c.withTokenEncoding("o200k_base"));
    withers.put("withDefaultMaxTokens", c -> c.withDefaultMaxTokens(64));
    withers.put("withStopOnHopelessErrors", c -> c.withStopOnHopelessErrors(false));
    withers.put("withJournal", c -> c.withJournal(JOURNAL));
    withers.put("withPriceTable", c -> c.withPriceTable(PRICES));
    withers.put("withMaxCostUsd", c -> c.withMaxCostUsd(12.5));
    withers.put("withBudgetStore", c -> c.withBudgetStore(BudgetStore.redis("redis://h:6379").withWeight(2)));
    Withers.assertOrderFree(
        OpenAiCall.class, OpenAiCall.of(OpenAiConnection.openAi()), withers, OpenAiCall::configuration);
  }

  @Test
  void givenBackoffThenMaxAttempts_bothAreKept() {
    CallConfiguration c =
        OpenAiCall.of(OTHER).withBackoff(QUICK).withMaxAttempts(3).configuration();
    assertEquals(QUICK, c.backoff());
    assertEquals(3, c.maxAttempts());
    assertEquals(c, OpenAiCall.of(OTHER).withMaxAttempts(3).withBackoff(QUICK).configuration());
  }
}
