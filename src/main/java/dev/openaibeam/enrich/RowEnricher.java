package dev.openaibeam.enrich;

import dev.openaibeam.api.ApiResponse;
import java.io.Serializable;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * A ready-made enrichment of schema'd {@link Row}s, used through {@link
 * OpenAiEnrichment#rows(RowEnricher)}: the output schema is the input's fields followed by the
 * fields the answer adds, so SQL and schema transforms downstream see every column.
 */
public abstract class RowEnricher implements Serializable {
  /** The output schema for {@code input}; throws when a needed field is missing or taken. */
  public abstract Schema outputSchema(Schema input);

  /** The API call for one row. Throwing makes the row a failure. */
  public abstract EnrichmentRequest request(Row input) throws Exception;

  /** The input row's values followed by the answer's. */
  public abstract Row join(Row input, ApiResponse response, Schema outputSchema) throws Exception;

  /** One line for display data. */
  public abstract String describe();

  static void checkFree(Schema input, String field) {
    if (input.hasField(field)) {
      throw new IllegalArgumentException(
          "the input schema already has a field named " + field + "; choose another output name");
    }
  }

  static void checkHas(Schema input, String field) {
    if (!input.hasField(field)) {
      throw new IllegalArgumentException(
          "the input schema has no field " + field + "; fields: " + input.getFieldNames());
    }
  }
}
