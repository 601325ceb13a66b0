package dev.openaibeam.pipeline;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.jsonl.JsonlLines;
import dev.openaibeam.jsonl.OutputFormat;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.coders.KvCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.io.FileSystems;
import org.apache.beam.sdk.io.TextIO;
import org.apache.beam.sdk.io.fs.EmptyMatchTreatment;
import org.apache.beam.sdk.io.fs.MatchResult;
import org.apache.beam.sdk.io.fs.ResourceId;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.Combine;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.MapElements;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.transforms.Values;
import org.apache.beam.sdk.transforms.WithKeys;
import org.apache.beam.sdk.transforms.join.CoGbkResult;
import org.apache.beam.sdk.transforms.join.CoGroupByKey;
import org.apache.beam.sdk.transforms.join.KeyedPCollectionTuple;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TypeDescriptors;

/**
 * Resuming a crashed run: the result journal of the earlier run(s) says which ids already have an
 * answer; those requests are not sent again, and their journaled result lines join the new ones in
 * the final results.
 */
final class Resume {
  static final String SKIPPED = "resumed_rows_skipped";
  private static final ObjectMapper JSON = new ObjectMapper();

  private Resume() {}

  /** Journaled result lines, one per id (a line cut short by a crash is dropped). */
  static PCollection<KV<String, String>> journaled(PBegin begin, String glob) {
    return begin
        .apply("ReadJournal", TextIO.read().from(glob).withEmptyMatchTreatment(EmptyMatchTreatment.ALLOW))
        .apply("KeyById", ParDo.of(new KeyByIdFn()))
        .setCoder(KvCoder.of(StringUtf8Coder.of(), StringUtf8Coder.of()))
        .apply("OnePerId", Combine.perKey(new FirstFn()));
  }

  /** The requests whose id is not among {@code done}. */
  static PCollection<ApiRequest> notDone(
      PCollection<ApiRequest> requests, PCollection<KV<String, String>> done) {
    TupleTag<ApiRequest> requestTag = new TupleTag<>();
    TupleTag<String> doneTag = new TupleTag<>();
    PCollection<KV<String, ApiRequest>> keyed =
        requests
            .apply("RequestById", WithKeys.of((ApiRequest r) -> r.getId()).withKeyType(TypeDescriptors.strings()))
            .setCoder(KvCoder.of(StringUtf8Coder.of(), ApiRequest.Coder.of()));
    return KeyedPCollectionTuple.of(requestTag, keyed)
        .and(doneTag, done)
        .apply("JoinWithJournal", CoGroupByKey.create())
        .apply("SkipDone", ParDo.of(new SkipDoneFn(requestTag, doneTag)))
        .setCoder(ApiRequest.Coder.of());
  }

  /** The journaled answers as result lines of {@code format} (the journal's own are native). */
  static PCollection<String> lines(PCollection<KV<String, String>> done, OutputFormat format) {
    PCollection<String> lines = done.apply("JournaledLines", Values.create());
    if (format == OutputFormat.NATIVE) {
      return lines;
    }
    return lines.apply("InOutputFormat", MapElements.into(TypeDescriptors.strings())
        .via((String line) -> format.resultLine(JsonlLines.parseResultLine(line))));
  }

  /** Removes an earlier run's journal: a run without resume starts from scratch. */
  /** Deletes the files {@code glob} matches; returns how many. */
  static int clear(String glob) throws IOException {
    MatchResult m = FileSystems.match(glob, EmptyMatchTreatment.ALLOW);
    if (m.status() != MatchResult.Status.OK) {
      return 0;
    }
    List<ResourceId> old = new ArrayList<>();
    for (MatchResult.Metadata md : m.metadata()) {
      old.add(md.resourceId());
    }
    FileSystems.delete(old);
    return old.size();
  }

  static final class KeyByIdFn extends DoFn<String, KV<String, String>> {
    @ProcessElement
    public void process(@Element String line, OutputReceiver<KV<String, String>> out) {
      try {
        JsonNode id = JSON.readTree(line).get("id");
        if (id != null && id.isTextual()) {
          out.output(KV.of(id.asText(), line));
        }
      } catch (IOException e) {
        // The last line of a file being written when the JVM died; that row is called again.
      }
    }
  }

  static final class FirstFn implements SerializableFunction<Iterable<String>, String> {
    @Override
    public String apply(Iterable<String> lines) {
      return lines.iterator().next();
    }
  }

  static final class SkipDoneFn extends DoFn<KV<String, CoGbkResult>, ApiRequest> {
    private final TupleTag<ApiRequest> requestTag;
    private final TupleTag<String> doneTag;
    private final Counter skipped = Metrics.counter(OpenAiBeamPipeline.NAMESPACE, SKIPPED);

    SkipDoneFn(TupleTag<ApiRequest> requestTag, TupleTag<String> doneTag) {
      this.requestTag = requestTag;
      this.doneTag = doneTag;
    }

    @ProcessElement
    public void process(@Element KV<String, CoGbkResult> e, OutputReceiver<ApiRequest> out) {
      boolean done = e.getValue().getAll(doneTag).iterator().hasNext();
      for (ApiRequest r : e.getValue().getAll(requestTag)) {
        if (done) {
          skipped.inc();
        } else {
          out.output(r);
        }
      }
    }
  }
}
