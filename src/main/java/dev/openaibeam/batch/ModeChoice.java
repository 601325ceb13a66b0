package dev.openaibeam.batch;

import com.google.common.base.Preconditions;
import dev.openaibeam.call.ApiFailure;
import dev.openaibeam.call.ApiRequest;
import dev.openaibeam.call.ApiResponse;
import dev.openaibeam.call.OpenAiCall;
import java.util.Locale;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Chooses between the online calls ({@link OpenAiCall}) and the Batch API ({@link OpenAiBatch}).
 *
 * <p>{@code auto} uses the Batch API when both hold: the caller accepts answers within the
 * completion window ({@code maxLatencyHours >= 24}), and the input has at least {@code minRows}
 * rows. The first is known when the pipeline is built: below 24 h only the online path is built.
 * The row count is only known once the input is read (counting a glob on object storage before the
 * run would read it twice), so it is decided in the pipeline: the requests are counted (a side
 * input) and all of them go to one path or all to the other; both paths are in the graph and one
 * of them receives nothing.
 */
public final class ModeChoice {
  /** Hours a batch may take: the completion window the service offers. */
  public static final double BATCH_WINDOW_HOURS = 24;

  private final String mode;
  private final long minRows;
  private final double maxLatencyHours;
  private final OpenAiCall online;
  private final OpenAiBatch batch;

  private ModeChoice(String mode, long minRows, double maxLatencyHours, OpenAiCall online, OpenAiBatch batch) {
    this.mode = mode.toLowerCase(Locale.ROOT);
    Preconditions.checkArgument(this.mode.equals("online") || this.mode.equals("batch") || this.mode.equals("auto"),
        "--mode must be online, batch or auto, got %s", mode);
    this.minRows = minRows;
    this.maxLatencyHours = maxLatencyHours;
    this.online = online;
    this.batch = batch;
  }

  public static ModeChoice of(String mode, long minRows, double maxLatencyHours, OpenAiCall online, OpenAiBatch batch) {
    return new ModeChoice(mode, minRows, maxLatencyHours, online, batch);
  }

  /** The responses and failures of whichever path answered. */
  public static final class Answers {
    private final PCollection<ApiResponse> responses;
    private final PCollection<ApiFailure> failures;

    Answers(PCollection<ApiResponse> responses, PCollection<ApiFailure> failures) {
      this.responses = responses;
      this.failures = failures;
    }

    public PCollection<ApiResponse> getResponses() {
      return responses;
    }

    public PCollection<ApiFailure> getFailures() {
      return failures;
    }
  }

  /** {@code auto}'s rule, for a known row count. */
  public static boolean batchFor(long rows, long minRows, double maxLatencyHours) {
    return maxLatencyHours >= BATCH_WINDOW_HOURS && rows >= minRows;
  }

  public Answers answer(PCollection<ApiRequest> requests) {
    if (mode.equals("online") || (mode.equals("auto") && maxLatencyHours < BATCH_WINDOW_HOURS)) {
      OpenAiCall.Result r = requests.apply("CallOpenAi", online);
      return new Answers(r.getResponses(), r.getFailures());
    }
    if (mode.equals("batch")) {
      OpenAiBatch.Result r = requests.apply("BatchOpenAi", batch);
      return new Answers(r.getResponses(), r.getFailures());
    }
    PCollectionView<Long> rows = requests.apply("CountRows", Count.<ApiRequest>globally()).apply("RowCount", org.apache.beam.sdk.transforms.View.asSingleton());
    TupleTag<ApiRequest> toBatch = new TupleTag<>("toBatch");
    TupleTag<ApiRequest> toOnline = new TupleTag<>("toOnline");
    PCollectionTuple split =
        requests.apply("ChooseMode", ParDo.of(new ChooseFn(rows, minRows, maxLatencyHours, toBatch))
            .withSideInputs(rows).withOutputTags(toOnline, TupleTagList.of(toBatch)));
    split.get(toBatch).setCoder(ApiRequest.Coder.of());
    split.get(toOnline).setCoder(ApiRequest.Coder.of());
    OpenAiCall.Result on = split.get(toOnline).apply("CallOpenAi", online);
    OpenAiBatch.Result off = split.get(toBatch).apply("BatchOpenAi", batch);
    return new Answers(
        PCollectionList.of(on.getResponses()).and(off.getResponses()).apply("AllResponses", Flatten.pCollections()),
        PCollectionList.of(on.getFailures()).and(off.getFailures()).apply("AllCallFailures", Flatten.pCollections()));
  }

  static final class ChooseFn extends DoFn<ApiRequest, ApiRequest> {
    private final PCollectionView<Long> rows;
    private final long minRows;
    private final double maxLatencyHours;
    private final TupleTag<ApiRequest> toBatch;

    ChooseFn(PCollectionView<Long> rows, long minRows, double maxLatencyHours, TupleTag<ApiRequest> toBatch) {
      this.rows = rows;
      this.minRows = minRows;
      this.maxLatencyHours = maxLatencyHours;
      this.toBatch = toBatch;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      if (batchFor(c.sideInput(rows), minRows, maxLatencyHours)) {
        c.output(toBatch, c.element());
      } else {
        c.output(c.element());
      }
    }
  }
}
