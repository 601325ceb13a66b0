package dev.openaibeam.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.enrich.EnrichmentRequest;
import dev.openaibeam.enrich.OpenAiEnrichment;
import dev.openaibeam.enrich.Responses;
import dev.openaibeam.enrich.RowChat;
import dev.openaibeam.pipeline.OpenAiBeamOptions;
import dev.openaibeam.pipeline.OpenAiBeamPipeline;
import java.io.IOException;
import java.util.List;
import java.util.Set;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.coders.RowCoder;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.options.Default;
import org.apache.beam.sdk.options.Description;
import org.apache.beam.sdk.schemas.Schema;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.Row;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Example: classifies support tickets from a CSV file ({@code ticket_id,subject,body}) with a chat
 * model and Structured Outputs (a JSON object with {@code category}, {@code urgency} and {@code
 * summary}), and writes {@code ticket_id,subject,category,urgency,summary} as CSV. Tickets that get
 * no label (an empty ticket, an API error, an answer outside the schema) go to the failures file
 * in the project's failure-line format; malformed CSV lines go there too.
 *
 * <p>Run it with {@code run-scripts/run-example.sh support-tickets} (emulator) or, against the
 * API, {@code run-scripts/run-example.sh support-tickets --baseUrl=https://api.openai.com/v1}. All
 * options of the JSONL job that concern calling (budget, retries, key) apply.
 */
public final class ClassifyTickets {
  static final String NAME = "support-tickets";
  static final Set<String> CATEGORIES = Set.of("billing", "shipping", "technical", "account", "other");
  static final Set<String> URGENCIES = Set.of("low", "medium", "high");
  static final Schema TICKET =
      Schema.builder().addStringField("ticket_id").addStringField("subject").addStringField("body").build();
  static final Schema LABELLED =
      Schema.builder()
          .addStringField("ticket_id")
          .addStringField("subject")
          .addStringField("category")
          .addStringField("urgency")
          .addStringField("summary")
          .build();
  static final String HEADER = "ticket_id,subject,category,urgency,summary";
  static final String SYSTEM_PROMPT =
      "You triage customer support tickets for an online shop. Give the ticket's category, its "
          + "urgency (high: money lost or service down; low: questions and feedback) and a one-line "
          + "summary of at most 15 words.";
  static final String ANSWER_SCHEMA =
      "{\"type\":\"object\",\"properties\":{"
          + "\"category\":{\"type\":\"string\",\"enum\":[\"billing\",\"shipping\",\"technical\",\"account\",\"other\"]},"
          + "\"urgency\":{\"type\":\"string\",\"enum\":[\"low\",\"medium\",\"high\"]},"
          + "\"summary\":{\"type\":\"string\"}},"
          + "\"required\":[\"category\",\"urgency\",\"summary\"],\"additionalProperties\":false}";
  private static final ObjectMapper JSON = new ObjectMapper();

  /** The example's options: the JSONL job's (budget, key, base URL, output) plus the model. */
  public interface Options extends OpenAiBeamOptions {
    @Description("Chat model that labels the tickets")
    @Default.String("gpt-4o-mini")
    String getModel();

    void setModel(String value);
  }

  private ClassifyTickets() {}

  public static void main(String[] args) {
    Options o = ExampleRun.options(args, Options.class);
    Pipeline p = Pipeline.create(o);
    build(p, o);
    System.exit(ExampleRun.run(p, NAME, o.getOutput() + "*.csv", o.getFailures() + "*.jsonl", System.out));
  }

  /**
   * The chat request every ticket gets: the system prompt, the ticket as the user message, at most
   * 80 tokens, temperature 0 and the answer schema in strict Structured Outputs.
   */
  static RowChat chat(String model) {
    return RowChat.of(model, "Subject: {subject}\n\n{body}")
        .withSystemPrompt(SYSTEM_PROMPT)
        .withMaxTokens(80)
        .withTemperature(0)
        .withJsonSchema("ticket_label", ANSWER_SCHEMA);
  }

  /** The chat request for one ticket; an empty ticket cannot be classified. */
  static EnrichmentRequest request(Row ticket, RowChat chat) {
    if (ticket.getString("subject").isBlank() && ticket.getString("body").isBlank()) {
      throw new IllegalArgumentException("ticket " + ticket.getString("ticket_id") + " is empty");
    }
    return chat.request(ticket)
        .withMetadata(JSON.createObjectNode().put("ticket_id", ticket.getString("ticket_id")).toString());
  }

  /** The labelled ticket; an answer outside the schema makes the ticket a failure. */
  static Row label(Row ticket, ApiResponse response) throws IOException {
    JsonNode answer = JSON.readTree(Responses.text(response.getBody()));
    String category = answer.path("category").asText("");
    String urgency = answer.path("urgency").asText("");
    if (!CATEGORIES.contains(category) || !URGENCIES.contains(urgency)) {
      throw new IllegalArgumentException("answer outside the schema: " + answer);
    }
    Metrics.counter(NAME, "category " + category).inc();
    return Row.withSchema(LABELLED)
        .addValues(ticket.getString("ticket_id"), ticket.getString("subject"), category, urgency,
            answer.path("summary").asText(""))
        .build();
  }

  /** Adds the example to {@code p}: read the CSV, label each ticket, write CSV and failures. */
  public static void build(Pipeline p, Options o) {
    RowChat chat = chat(o.getModel());
    TupleTag<Row> tickets = new TupleTag<Row>() {};
    TupleTag<String> badLines = new TupleTag<String>() {};
    PCollectionTuple parsed =
        p.apply("ReadTickets", TextIO.read().from(o.getInput()))
            .apply("ParseCsv", ParDo.of(new ParseTicketFn(tickets, badLines)).withOutputTags(tickets, TupleTagList.of(badLines)));
    PCollection<Row> rows = parsed.get(tickets).setRowSchema(TICKET);

    OpenAiEnrichment.Result<Row, Row> labelled =
        rows.apply(
            "LabelTickets",
            OpenAiEnrichment.<Row, Row>of(t -> request(t, chat), ClassifyTickets::label)
                .withCall(OpenAiBeamPipeline.callFrom(o))
                .withIdFn(t -> t.getString("ticket_id"))
                .withOutputCoder(RowCoder.of(LABELLED)));

    int shards = o.getOutputShards() > 0 ? o.getOutputShards() : 1;
    labelled
        .getEnriched()
        .apply("FormatCsv", MapElements.into(TypeDescriptors.strings()).via(ClassifyTickets::csv))
        .apply("WriteLabels", TextIO.write().to(o.getOutput()).withSuffix(".csv").withHeader(HEADER).withNumShards(shards));
    PCollection<String> failed =
        labelled
            .getFailures()
            .apply("FormatFailures", MapElements.into(TypeDescriptors.strings()).via(FailureLines::of));
    PCollectionList.of(failed)
        .and(parsed.get(badLines))
        .apply(Flatten.pCollections())
        .apply("WriteFailures", TextIO.write().to(o.getFailures()).withSuffix(".jsonl").withNumShards(shards));
  }

  static String csv(Row r) {
    return CsvLine.format(
        List.of(r.getString("ticket_id"), r.getString("subject"), r.getString("category"),
            r.getString("urgency"), r.getString("summary")));
  }

  /** CSV line to ticket row; the header is skipped, a malformed line becomes a failure line. */
  static final class ParseTicketFn extends DoFn<String, Row> {
    private final TupleTag<Row> tickets;
    private final TupleTag<String> badLines;

    ParseTicketFn(TupleTag<Row> tickets, TupleTag<String> badLines) {
      this.tickets = tickets;
      this.badLines = badLines;
    }

    @ProcessElement
    public void process(@Element String line, MultiOutputReceiver out) {
      if (line.isBlank()) {
        return;
      }
      String problem;
      try {
        List<String> f = CsvLine.parse(line);
        if (f.size() == 3 && f.get(0).equals("ticket_id")) {
          return; // the header
        }
        if (f.size() == 3 && !f.get(0).isBlank()) {
          out.get(tickets).output(Row.withSchema(TICKET).addValues(f.get(0), f.get(1), f.get(2)).build());
          return;
        }
        problem = "expected 3 fields (ticket_id,subject,body), got " + f.size();
      } catch (IllegalArgumentException e) {
        problem = e.getMessage();
      }
      Metrics.counter(NAME, "malformed lines").inc();
      ObjectNode bad = JSON.createObjectNode();
      bad.put("line", line);
      bad.putObject("error").put("type", "invalid_input").put("code", "malformed_csv").put("message", problem);
      out.get(badLines).output(bad.toString());
    }
  }
}
