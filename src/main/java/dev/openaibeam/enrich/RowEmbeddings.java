package dev.openaibeam.enrich;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.google.common.base.Preconditions;
import dev.openaibeam.api.ApiResponse;
import org.apache.beam.sdk.schemas.Schema.FieldType;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Embeddings over schema'd rows: the text of one field is embedded, and each output row is the
 * input row plus {@code embedding} ({@code ARRAY<FLOAT>}) and {@code embedding_tokens} (nullable
 * INT64; the prefix follows {@link #withEmbeddingField}).
 *
 * <pre>{@code
 * PCollection<Row> docs = ...; // schema: doc_id STRING, text STRING
 * PCollection<Row> embedded = docs
 *     .apply(OpenAiEnrichment.rows(RowEmbeddings.of("text-embedding-3-small", "text"))
 *         .withRequestsPerMinute(3_000))
 *     .getEnriched(); // schema: doc_id, text, embedding ARRAY<FLOAT>, embedding_tokens
 * }</pre>
 *
 * <p>One request per row. A row whose text is null or empty becomes a failure with code {@code
 * request_build_failed} (the API rejects empty input).
 */
public final class RowEmbeddings extends RowEnricher {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final String model;
  private final String textField;
  private final @Nullable Integer dimensions;
  private final String embeddingField;

  private RowEmbeddings(
      String model, String textField, @Nullable Integer dimensions, String embeddingField) {
    this.model = model;
    this.textField = textField;
    this.dimensions = dimensions;
    this.embeddingField = embeddingField;
  }

  public static RowEmbeddings of(String model, String textField) {
    Preconditions.checkNotNull(model, "model");
    Preconditions.checkNotNull(textField, "textField");
    return new RowEmbeddings(model, textField, null, "embedding");
  }

  /** Asks for shorter vectors ({@code dimensions}; text-embedding-3 models). */
  public RowEmbeddings withDimensions(int d) {
    Preconditions.checkArgument(d >= 1, "dimensions must be >= 1");
    return new RowEmbeddings(model, textField, d, embeddingField);
  }

  /** Name of the vector field (default {@code embedding}); prefixes the tokens field. */
  public RowEmbeddings withEmbeddingField(String name) {
    return new RowEmbeddings(model, textField, dimensions, name);
  }

  @Override
  public Schema outputSchema(Schema input) {
    checkHas(input, textField);
    checkFree(input, embeddingField);
    checkFree(input, embeddingField + "_tokens");
    return Schema.builder()
        .addFields(input.getFields())
        .addField(embeddingField, FieldType.array(FieldType.FLOAT))
        .addNullableField(embeddingField + "_tokens", FieldType.INT64)
        .build();
  }

  @Override
  public EnrichmentRequest request(Row row) {
    Object text = row.getValue(textField);
    if (text == null || String.valueOf(text).isEmpty()) {
      throw new IllegalArgumentException("field " + textField + " is empty");
    }
    ObjectNode body = JSON.createObjectNode();
    body.put("model", model);
    body.put("input", String.valueOf(text));
    if (dimensions != null) {
      body.put("dimensions", dimensions);
    }
    return EnrichmentRequest.embeddings(body);
  }

  @Override
  public Row join(Row input, ApiResponse response, Schema outputSchema) {
    JsonNode answer = Responses.parse(response.getBody());
    return Row.withSchema(outputSchema)
        .addValues(input.getValues())
        .addValues(Responses.embedding(answer), Responses.promptTokens(answer))
        .build();
  }

  @Override
  public String describe() {
    return "embeddings model=" + model + " text=" + textField
        + (dimensions != null ? " dimensions=" + dimensions : "") + " -> " + embeddingField;
  }
}
