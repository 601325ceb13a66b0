package dev.openaibeam.call;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import java.util.UUID;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.TupleTag;

/**
 * What both calling DoFns hold: the configuration, the run token and the output tags. Their state
 * stays in each (Beam lets a method use only state its own class declares).
 */
abstract class CallingFn extends DoFn<KV<String, ApiRequest>, ApiResponse> {
  final CallConfiguration configuration;
  // One per expanded transform: what instances on a worker share of the pool is kept per run.
  final String runToken = UUID.randomUUID().toString();
  final TupleTag<ApiResponse> responsesTag;
  final TupleTag<ApiFailure> failuresTag;

  CallingFn(
      CallConfiguration configuration,
      TupleTag<ApiResponse> responsesTag,
      TupleTag<ApiFailure> failuresTag) {
    this.configuration = configuration;
    this.responsesTag = responsesTag;
    this.failuresTag = failuresTag;
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    OpenAiCall.describe(configuration, builder);
  }
}
