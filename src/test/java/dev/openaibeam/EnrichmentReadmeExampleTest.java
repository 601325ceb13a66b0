package dev.openaibeam;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.call.OpenAiCall;
import dev.openaibeam.connection.ApiKeySource;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.enrich.EnrichmentFailure;
import dev.openaibeam.enrich.OpenAiEnrichment;
import dev.openaibeam.enrich.RowChat;
import dev.openaibeam.enrich.RowEmbeddings;
import dev.openaibeam.testing.TestKeys;
import java.util.List;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.testing.PAssert;
import org.apache.beam.sdk.testing.TestPipeline;
import org.apache.beam.sdk.testing.TestPipelineExtension;
import org.apache.beam.sdk.transforms.Create;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/** The README's enrichment example, verbatim but for the key source. */
@ExtendWith(TestPipelineExtension.class)
class EnrichmentReadmeExampleTest {
  @Test
  void readmeEnrichmentExampleRuns(TestPipeline pipeline) throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().build())) {
      String baseUrl = emu.baseUrl();
      ApiKeySource key = TestKeys.file("sk-readme"); // the README reads OPENAI_API_KEY

      Schema schema = Schema.builder().addStringField("id").addStringField("text").build();
      PCollection<Row> rows = pipeline.apply(Create.of(
          Row.withSchema(schema).addValues("t-1", "My parcel is late").build()).withRowSchema(schema));

      OpenAiCall call =
          OpenAiCall.of(OpenAiConnection.to(baseUrl).withApiKey(key)) // or OpenAiConnection.openAi()
              .withRequestsPerMinute(5_000)
              .withTokensPerMinute(2_000_000);

      OpenAiEnrichment.Result<Row, Row> answered = rows.apply("Chat",
          OpenAiEnrichment.rows(RowChat.of("gpt-4o-mini", "Reply in one line: {text}").withMaxTokens(40))
              .withCall(call));
      PCollection<Row> replies = answered.getEnriched();    // id, text, response, response_*_tokens
      PCollection<EnrichmentFailure<Row>> failed = answered.getFailures(); // the row + why

      PCollection<Row> vectors = rows.apply("Embed",
          OpenAiEnrichment.rows(RowEmbeddings.of("text-embedding-3-small", "text"))
              .withCall(call)).getEnriched();              // id, text, embedding ARRAY<FLOAT>, ...

      PAssert.that(failed).empty();
      PAssert.thatSingleton(replies)
          .satisfies(
              r -> {
                assertEquals("t-1", r.getString("id"));
                assertTrue(r.getString("response").endsWith(": Reply in one line: My parcel is late"));
                return null;
              });
      PAssert.thatSingleton(vectors)
          .satisfies(
              r -> {
                assertEquals(8, r.getArray("embedding").size());
                return null;
              });
      assertEquals(
          List.of("id", "text", "embedding", "embedding_tokens"), vectors.getSchema().getFieldNames());
      pipeline.run().waitUntilFinish();
      assertEquals(2, emu.stats().accepted());
    }
  }
}
