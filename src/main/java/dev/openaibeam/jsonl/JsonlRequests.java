package dev.openaibeam.jsonl;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import java.io.IOException;
import java.io.InputStream;
import java.nio.channels.Channels;
import java.time.Duration;
import org.apache.beam.sdk.io.Compression;
import org.apache.beam.sdk.io.FileIO;
import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.Watch;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PBegin;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.TupleTag;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Reads request JSONL through Beam's file I/O (so local files, {@code gs://}, {@code s3://} and
 * gzip all work), streaming each file line by line with its line number, and splits the lines into
 * requests and failure records for the lines that cannot be requests.
 *
 * <pre>{@code
 * WithFailures.Result<PCollection<ApiRequest>, ApiFailure> parsed =
 *     pipeline.apply(JsonlRequests.read("gs://bucket/in/*.jsonl.gz")
 *         .withDefaultEndpoint("/v1/chat/completions"));
 * parsed.output();    // PCollection<ApiRequest>
 * parsed.failures();  // PCollection<ApiFailure>, one per malformed line
 * }</pre>
 */
public final class JsonlRequests
    extends PTransform<PBegin, WithFailures.Result<PCollection<ApiRequest>, ApiFailure>> {
  public static final String NAMESPACE = "openai-beam";
  public static final String LINES_READ = "lines_read";
  public static final String LINES_MALFORMED = "lines_malformed";

  private final String filepattern;
  private final String defaultEndpoint;
  private final @Nullable Duration watchInterval;

  private JsonlRequests(String filepattern, String defaultEndpoint, @Nullable Duration watchInterval) {
    this.filepattern = filepattern;
    this.defaultEndpoint = defaultEndpoint;
    this.watchInterval = watchInterval;
  }

  public static JsonlRequests read(String filepattern) {
    return new JsonlRequests(filepattern, "/v1/chat/completions", null);
  }

  public JsonlRequests withDefaultEndpoint(String endpoint) {
    return new JsonlRequests(filepattern, endpoint, watchInterval);
  }

  /**
   * Watches the file pattern for new files every {@code interval}, forever (an unbounded, streaming
   * input): each file is read once, when it is first seen. Write a file elsewhere and move it into
   * the pattern, so that it is never seen half written.
   */
  public JsonlRequests continuously(Duration interval) {
    return new JsonlRequests(filepattern, defaultEndpoint, interval);
  }

  @Override
  public WithFailures.Result<PCollection<ApiRequest>, ApiFailure> expand(PBegin input) {
    PCollection<FileIO.ReadableFile> files =
        input
            .apply("Match", watchInterval == null
                ? FileIO.match().filepattern(filepattern)
                : FileIO.match().filepattern(filepattern)
                    .continuously(org.joda.time.Duration.millis(watchInterval.toMillis()),
                        Watch.Growth.never()))
            .apply("Open", FileIO.readMatches().withCompression(Compression.AUTO));
    RequestLineParser parser = RequestLineParser.of(defaultEndpoint);
    return ParsedRequests.parse(files, "ParseLines",
        (requests, failures) -> new ParseFileFn(parser, requests, failures));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("filepattern", filepattern).withLabel("Input files"))
        .add(DisplayData.item("defaultEndpoint", defaultEndpoint))
        .addIfNotNull(DisplayData.item("watchInterval",
            watchInterval == null ? null : watchInterval.toString()));
  }

  static final class ParseFileFn extends DoFn<FileIO.ReadableFile, ApiRequest> {
    private final RequestLineParser parser;
    private final TupleTag<ApiRequest> requests;
    private final TupleTag<ApiFailure> failures;
    private final Counter read = Metrics.counter(NAMESPACE, LINES_READ);
    private final Counter malformed = Metrics.counter(NAMESPACE, LINES_MALFORMED);

    ParseFileFn(RequestLineParser parser, TupleTag<ApiRequest> requests, TupleTag<ApiFailure> failures) {
      this.parser = parser;
      this.requests = requests;
      this.failures = failures;
    }

    @ProcessElement
    public void process(@Element FileIO.ReadableFile file, MultiOutputReceiver out)
        throws IOException {
      String name = file.getMetadata().resourceId().toString();
      try (InputStream in = Channels.newInputStream(file.open())) {
        LineReader.forEachLine(
            in,
            (number, bytes) -> {
              read.inc();
              ParsedLine line = parser.parse(name, number, bytes);
              if (line.isRequest()) {
                out.get(requests).output(line.request());
              } else {
                malformed.inc();
                out.get(failures).output(line.failure());
              }
            });
      }
    }
  }
}
