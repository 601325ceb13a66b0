package dev.openaibeam.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.TextNode;
import com.google.common.hash.Hashing;
import dev.openaibeam.emulator.EmulatorConfig;
import dev.openaibeam.emulator.LatencyModel;
import dev.openaibeam.emulator.OpenAiEmulator;
import dev.openaibeam.enrich.EnrichmentRequest;
import dev.openaibeam.testing.ProjectRoot;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.options.PipelineOptionsFactory;
import org.apache.beam.sdk.values.Row;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Each example pipeline runs on its shipped data against the emulator, on the direct runner. */
class ExamplesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path out;

  private String[] args(OpenAiEmulator emu, String input) throws IOException {
    Path key = Files.writeString(out.resolve("key.txt"), "sk-examples-test\n");
    return new String[] {
      "--input=" + input,
      "--output=" + out.resolve("out"),
      "--failures=" + out.resolve("failures"),
      "--baseUrl=" + emu.baseUrl(),
      "--apiKeyFile=" + key,
      "--rpm=3000",
      "--runner=DirectRunner"
    };
  }

  private static List<String> lines(Path dir, String glob) throws IOException {
    List<String> all = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path f : files.filter(f -> f.getFileSystem().getPathMatcher("glob:" + glob).matches(f.getFileName())).collect(Collectors.toList())) {
        all.addAll(Files.readAllLines(f, StandardCharsets.UTF_8));
      }
    }
    return all;
  }

  private static int run(Pipeline p, String name, ByteArrayOutputStream summary) {
    return ExampleRun.run(p, name, "out*", "failures*", new PrintStream(summary, true, StandardCharsets.UTF_8));
  }

  @Test
  void supportTicketsAreLabelledEachOnceWithTheirOwnAnswer() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(5)).build())) {
      ClassifyTickets.Options o =
          PipelineOptionsFactory.fromArgs(args(emu, ProjectRoot.resolve("pipelines/support-tickets/tickets.csv").toString())).as(ClassifyTickets.Options.class);
      Pipeline p = Pipeline.create(o);
      ClassifyTickets.build(p, o);
      ByteArrayOutputStream summary = new ByteArrayOutputStream();
      assertEquals(0, run(p, ClassifyTickets.NAME, summary), summary.toString());
      // Whole lines: "enriched       39" must not pass for 390.
      List<String> summaryLines = summary.toString().lines().collect(Collectors.toList());
      assertTrue(summaryLines.contains("enriched       39"), summary.toString());
      assertTrue(summaryLines.contains("failed         1"), summary.toString());
      // The call lines are RunSummary's: the 429 split, spend and budget wait included.
      assertTrue(summaryLines.contains("429s           0 (requests 0, tokens 0, other 0)"), summary.toString());
      assertTrue(summaryLines.stream().anyMatch(l -> l.startsWith("spend          $")), summary.toString());
      assertTrue(summaryLines.stream().anyMatch(l -> l.matches("budget wait    \\d+\\.\\d s")), summary.toString());

      Map<String, Row> tickets = new HashMap<>();
      for (String line : Files.readAllLines(ProjectRoot.resolve("pipelines/support-tickets/tickets.csv"))) {
        List<String> f = CsvLine.parse(line);
        if (!f.get(0).equals("ticket_id")) {
          tickets.put(f.get(0), Row.withSchema(ClassifyTickets.TICKET).addValues(f.get(0), f.get(1), f.get(2)).build());
        }
      }
      assertEquals(40, tickets.size());

      List<String> csv = lines(out, "out*.csv");
      assertEquals(ClassifyTickets.HEADER, csv.get(0));
      Map<String, List<String>> labelled = new HashMap<>();
      for (String line : csv.subList(1, csv.size())) {
        List<String> f = CsvLine.parse(line);
        assertEquals(null, labelled.put(f.get(0), f), "labelled twice: " + f.get(0));
      }
      assertEquals(39, labelled.size());
      for (Map.Entry<String, List<String>> e : labelled.entrySet()) {
        Row ticket = tickets.get(e.getKey());
        List<String> f = e.getValue();
        assertEquals(ticket.getString("subject"), f.get(1));
        assertTrue(ClassifyTickets.CATEGORIES.contains(f.get(2)), f.toString());
        assertTrue(ClassifyTickets.URGENCIES.contains(f.get(3)), f.toString());
        // The emulator's summary echoes the digest and the start of this very ticket's request.
        EnrichmentRequest request = ClassifyTickets.request(ticket, ClassifyTickets.chat("gpt-4o-mini"));
        JsonNode body = JSON.readTree(request.getBody());
        String user = body.path("messages").path(1).path("content").asText();
        // The request: system prompt, the ticket, 80 tokens, temperature 0, strict answer schema.
        assertEquals("gpt-4o-mini", body.path("model").asText());
        assertEquals("system", body.path("messages").path(0).path("role").asText());
        assertEquals(ClassifyTickets.SYSTEM_PROMPT, body.path("messages").path(0).path("content").asText());
        assertEquals("user", body.path("messages").path(1).path("role").asText());
        assertEquals("Subject: " + ticket.getString("subject") + "\n\n" + ticket.getString("body"), user);
        assertEquals(80, body.path("max_completion_tokens").asInt());
        assertTrue(body.path("temperature").isNumber() && body.path("temperature").asDouble() == 0.0, body.toString());
        assertEquals("json_schema", body.path("response_format").path("type").asText());
        assertEquals("ticket_label", body.path("response_format").path("json_schema").path("name").asText());
        assertTrue(body.path("response_format").path("json_schema").path("strict").asBoolean());
        assertEquals(JSON.readTree(ClassifyTickets.ANSWER_SCHEMA), body.path("response_format").path("json_schema").path("schema"));
        assertEquals(JSON.createObjectNode().put("ticket_id", e.getKey()), JSON.readTree(request.getMetadata()));
        String echo = "echo " + OpenAiEmulator.digest(body.toString()) + ": " + user.substring(0, Math.min(60, user.length()));
        assertEquals(echo.replace('\n', ' '), f.get(4));
      }
      List<String> failures = lines(out, "failures*.jsonl");
      assertEquals(1, failures.size());
      JsonNode failure = JSON.readTree(failures.get(0));
      assertEquals("T-1031", failure.path("input").path("ticket_id").asText());
      assertEquals("T-1031", failure.path("id").asText());
      assertEquals("request_build_failed", failure.path("error").path("code").asText());
      assertEquals(39, emu.stats().received());
    }
  }

  @Test
  void documentCorpusIsEmbeddedEachOnce() throws Exception {
    try (OpenAiEmulator emu = OpenAiEmulator.start(EmulatorConfig.builder().latency(LatencyModel.fixed(5)).build())) {
      EmbedDocuments.Options o =
          PipelineOptionsFactory.fromArgs(args(emu, ProjectRoot.resolve("pipelines/embed-docs/docs").toString() + "/*.txt")).as(EmbedDocuments.Options.class);
      Pipeline p = Pipeline.create(o);
      EmbedDocuments.build(p, o);
      ByteArrayOutputStream summary = new ByteArrayOutputStream();
      assertEquals(0, run(p, EmbedDocuments.NAME, summary), summary.toString());

      Map<String, String> docs = new HashMap<>();
      try (Stream<Path> files = Files.list(ProjectRoot.resolve("pipelines/embed-docs/docs"))) {
        for (Path f : files.collect(Collectors.toList())) {
          docs.put(f.getFileName().toString().replace(".txt", ""), Files.readString(f).strip());
        }
      }
      assertEquals(30, docs.size());
      List<String> vectors = lines(out, "out*.jsonl");
      Set<String> seen = new java.util.HashSet<>();
      for (String line : vectors) {
        JsonNode v = JSON.readTree(line);
        String id = v.path("id").asText();
        assertTrue(seen.add(id), "embedded twice: " + id);
        assertEquals(8, v.path("dimensions").asInt());
        assertTrue(v.path("tokens").asLong() > 0);
        // The emulator's vector: SHA-256 of the JSON-encoded input, 8 bytes / 128.
        byte[] h = Hashing.sha256().hashString(TextNode.valueOf(docs.get(id)).toString(), StandardCharsets.UTF_8).asBytes();
        for (int j = 0; j < 8; j++) {
          assertEquals((float) (Math.round((h[j] / 128.0) * 1e6) / 1e6), v.path("embedding").get(j).floatValue(), id);
        }
      }
      assertEquals(docs.keySet(), seen);
      assertEquals(List.of(), lines(out, "failures*.jsonl"));
      assertEquals(30, emu.stats().received());
    }
  }
}
