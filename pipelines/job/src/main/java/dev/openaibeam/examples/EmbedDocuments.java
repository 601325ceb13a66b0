package dev.openaibeam.examples;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openaibeam.enrich.OpenAiEnrichment;
import dev.openaibeam.enrich.RowEmbeddings;
import dev.openaibeam.pipeline.OpenAiBeamOptions;
import dev.openaibeam.pipeline.OpenAiBeamPipeline;
import java.io.IOException;
import java.io.UncheckedIOException;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TypeDescriptor;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Example: embeds a corpus of text files, one document per file (its id is the file name without
 * the extension), and writes one JSONL line per document: {@code {"id","tokens","dimensions",
 * "embedding":[...]}}. Documents that get no embedding (an empty file, an API error) go to the
 * failures file in the project's failure-line format.
 *
 * <p>Run it with {@code run-scripts/run-example.sh embed-docs} (emulator) or, against the API,
 * {@code run-scripts/run-example.sh embed-docs --baseUrl=https://api.openai.com/v1}.
 */
public final class EmbedDocuments {
  static final String NAME = "embed-docs";
  static final Schema DOCUMENT = Schema.builder().addStringField("doc_id").addStringField("text").build();
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The example's options: the JSONL job's (budget, key, base URL, output) plus the model. */
  public interface Options extends OpenAiBeamOptions {
    @Description("Embedding model")
    @Default.String("text-embedding-3-small")
    String getModel();

    void setModel(String value);

    @Description("Dimensions of the vectors (0: the model's own)")
    @Default.Integer(0)
    int getDimensions();

    void setDimensions(int value);
  }

  private EmbedDocuments() {}

  public static void main(String[] args) {
    Options o = ExampleRun.options(args, Options.class);
    Pipeline p = Pipeline.create(o);
    build(p, o);
    System.exit(ExampleRun.run(p, NAME, o.getOutput() + "*.jsonl", o.getFailures() + "*.jsonl", System.out));
  }

  /** Adds the example to {@code p}: read the files, embed each, write vectors and failures. */
  public static void build(Pipeline p, Options o) {
    PCollection<Row> docs =
        p.apply("MatchFiles", FileIO.match().filepattern(o.getInput()))
            .apply("ReadFiles", FileIO.readMatches())
            .apply(
                "ToRows",
                MapElements.into(TypeDescriptor.of(Row.class))
                    .via((FileIO.ReadableFile f) -> document(f)))
            .setRowSchema(DOCUMENT);

    RowEmbeddings embeddings = RowEmbeddings.of(o.getModel(), "text");
    if (o.getDimensions() > 0) {
      embeddings = embeddings.withDimensions(o.getDimensions());
    }
    OpenAiEnrichment.Result<Row, Row> embedded =
        docs.apply(
            "Embed",
            OpenAiEnrichment.rows(embeddings)
                .withCall(OpenAiBeamPipeline.callFrom(o))
                .withIdFn(d -> d.getString("doc_id")));

    int shards = o.getOutputShards() > 0 ? o.getOutputShards() : 1;
    embedded
        .getEnriched()
        .apply("FormatVectors", MapElements.into(TypeDescriptors.strings()).via(EmbedDocuments::line))
        .apply("WriteVectors", TextIO.write().to(o.getOutput()).withSuffix(".jsonl").withNumShards(shards));
    embedded
        .getFailures()
        .apply("FormatFailures", MapElements.into(TypeDescriptors.strings()).via(FailureLines::of))
        .apply("WriteFailures", TextIO.write().to(o.getFailures()).withSuffix(".jsonl").withNumShards(shards));
  }

  static Row document(FileIO.ReadableFile f) {
    String name = f.getMetadata().resourceId().getFilename();
    String id = name.contains(".") ? name.substring(0, name.lastIndexOf('.')) : name;
    try {
      Metrics.counter(NAME, "documents read").inc();
      return Row.withSchema(DOCUMENT).addValues(id, f.readFullyAsUTF8String().strip()).build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static String line(Row r) {
    ObjectNode out = JSON.createObjectNode();
    out.put("id", r.getString("doc_id"));
    Long tokens = r.getInt64("embedding_tokens");
    if (tokens != null) {
      out.put("tokens", tokens);
    }
    ArrayNode vector = JSON.createArrayNode();
    r.<Float>getArray("embedding").forEach(vector::add);
    out.put("dimensions", vector.size());
    out.set("embedding", vector);
    return out.toString();
  }
}
