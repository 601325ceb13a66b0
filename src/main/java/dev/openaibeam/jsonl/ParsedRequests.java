package dev.openaibeam.jsonl;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.WithFailures;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Runs a source's parsing step, which sends each record to the requests or (replayable) to the
 * failures, and returns both as Beam's {@link WithFailures.Result}: files, Kafka records and
 * Pub/Sub messages are parsed the same way.
 */
public final class ParsedRequests {
  /** The parsing DoFn, given the tags it outputs to. */
  public interface ParseFn<T> {
    DoFn<T, ApiRequest> to(TupleTag<ApiRequest> requests, TupleTag<ApiFailure> failures);
  }

  private ParsedRequests() {}

  public static <T> WithFailures.Result<PCollection<ApiRequest>, ApiFailure> parse(
      PCollection<T> records, String stepName, ParseFn<T> fn) {
    TupleTag<ApiRequest> requests = new TupleTag<ApiRequest>() {};
    TupleTag<ApiFailure> failures = new TupleTag<ApiFailure>() {};
    PCollectionTuple out = records.apply(stepName,
        ParDo.of(fn.to(requests, failures)).withOutputTags(requests, TupleTagList.of(failures)));
    return WithFailures.Result.of(
        out.get(requests).setCoder(ApiRequest.Coder.of()),
        out.get(failures).setCoder(ApiFailure.Coder.of()));
  }
}
