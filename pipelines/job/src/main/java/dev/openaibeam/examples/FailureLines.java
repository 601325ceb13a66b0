package dev.openaibeam.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openaibeam.enrich.EnrichmentFailure;
import dev.openaibeam.jsonl.JsonlLines;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.values.Row;

/**
 * A failure line of the examples: the project's failure line ({@code id, metadata, request, error,
 * attempts, ...}) led by {@code "input"}, the row that was not enriched, so that a request which
 * could not even be built still shows what it was built from.
 */
final class FailureLines {
  private static final ObjectMapper JSON = new ObjectMapper();

  private FailureLines() {}

  static String of(EnrichmentFailure<Row> f) {
    Row input = f.getInput();
    ObjectNode row = JSON.createObjectNode();
    for (Schema.Field field : input.getSchema().getFields()) {
      row.set(field.getName(), JSON.valueToTree(input.getValue(field.getName())));
    }
    String line = JsonlLines.failureLine(f.getFailure()); // a JSON object: "{...}"
    return "{\"input\":" + row + "," + line.substring(1);
  }
}
