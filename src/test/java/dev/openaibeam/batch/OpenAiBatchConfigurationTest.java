package dev.openaibeam.batch;

import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.cost.ModelPrice;
import dev.openaibeam.cost.PriceTable;
import dev.openaibeam.testing.Withers;
import dev.openaibeam.transport.Backoff;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.Test;

class OpenAiBatchConfigurationTest {
  @Test
  void givenAnyOrderOfWithCalls_theConfigurationIsTheSame() {
    Map<String, UnaryOperator<OpenAiBatch>> withers = new LinkedHashMap<>();
    withers.put("withConnection", b -> b.withConnection(
        OpenAiConnection.to("http://127.0.0.1:9/v1").withApiKey(ApiKeySource.none())));
    withers.put("withCompletionWindow", b -> b.withCompletionWindow("48h"));
    withers.put("withPollInterval", b -> b.withPollInterval(Duration.ofSeconds(5)));
    withers.put("withMaxWait", b -> b.withMaxWait(Duration.ofHours(1)));
    withers.put("withFileLimits", b -> b.withFileLimits(100, 1_000_000));
    withers.put("withMaxRounds", b -> b.withMaxRounds(2));
    withers.put("withStateDirectory", b -> b.withStateDirectory("/tmp/state"));
    withers.put("withPriceTable", b -> b.withPriceTable(PriceTable.empty().withPrice("m", ModelPrice.of(1, 2))));
    withers.put("withControlBackoff", b -> b.withControlBackoff(Backoff.standard().withMax(Duration.ofSeconds(1))));
    withers.put("withControlAttempts", b -> b.withControlAttempts(2));
    Withers.assertOrderFree(
        OpenAiBatch.class, OpenAiBatch.of(OpenAiConnection.openAi()), withers, OpenAiBatch::configuration);
  }
}
