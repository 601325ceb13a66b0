package dev.openaibeam.batch;

import com.google.common.base.Preconditions;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResult;
import dev.openaibeam.call.OpenAiCall;
import java.util.Locale;
import org.apache.beam.sdk.transforms.Count;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.Flatten;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.transforms.ParDo;
import org.apache.beam.sdk.transforms.View;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionList;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;
import org.apache.beam.sdk.values.TupleTagList;

/**
 * Answers requests through the online calls ({@link OpenAiCall}) or the Batch API ({@link
 * OpenAiBatch}), as the {@link Mode} says; the result has the same shape either way.
 *
 * <pre>{@code
 * ApiResult result = requests.apply(
 *     OnlineOrBatch.of(OpenAiCall.of(connection), OpenAiBatch.of(connection))
 *         .withMode(OnlineOrBatch.Mode.AUTO)
 *         .withMaxLatencyHours(24));
 * }</pre>
 *
 * <p>{@code AUTO} uses the Batch API when both hold: the caller accepts answers within the
 * completion window ({@code maxLatencyHours >= 24}), and the input has at least {@code minRows}
 * rows. The first is known when the pipeline is built: below 24 h only the online path is built.
 * The row count is only known once the input is read (counting a glob on object storage before the
 * run would read it twice), so it is decided in the pipeline: the requests are counted (a side
 * input) and all of them go to one path or all to the other; both paths are in the graph and one
 * of them receives nothing.
 */
public final class OnlineOrBatch extends PTransform<PCollection<ApiRequest>, ApiResult> {
  /** Hours a batch may take: the completion window the service offers. */
  public static final double BATCH_WINDOW_HOURS = 24;

  /** Which path answers. */
  public enum Mode {
    ONLINE,
    BATCH,
    AUTO;

    /** {@code online}, {@code batch} or {@code auto}, in any case. */
    public static Mode parse(String mode) {
      for (Mode m : values()) {
        if (m.name().equalsIgnoreCase(mode)) {
          return m;
        }
      }
      throw new IllegalArgumentException("--mode must be online, batch or auto, got " + mode);
    }

    @Override
    public String toString() {
      return name().toLowerCase(Locale.ROOT);
    }
  }

  private final OpenAiCall online;
  private final OpenAiBatch batch;
  private final Mode mode;
  private final long minRows;
  private final double maxLatencyHours;

  private OnlineOrBatch(
      OpenAiCall online, OpenAiBatch batch, Mode mode, long minRows, double maxLatencyHours) {
    this.online = online;
    this.batch = batch;
    this.mode = mode;
    this.minRows = minRows;
    this.maxLatencyHours = maxLatencyHours;
  }

  /** Online unless told otherwise; {@code AUTO} from 10,000 rows when 24 h are acceptable. */
  public static OnlineOrBatch of(OpenAiCall online, OpenAiBatch batch) {
    return new OnlineOrBatch(
        Preconditions.checkNotNull(online), Preconditions.checkNotNull(batch), Mode.ONLINE, 10_000, 1);
  }

  public OnlineOrBatch withMode(Mode m) {
    return new OnlineOrBatch(online, batch, Preconditions.checkNotNull(m), minRows, maxLatencyHours);
  }

  /** {@code AUTO}: rows from which the Batch API is used. */
  public OnlineOrBatch withAutoMinRows(long rows) {
    return new OnlineOrBatch(online, batch, mode, rows, maxLatencyHours);
  }

  /** {@code AUTO}: hours the caller accepts to wait for answers (the Batch API needs 24). */
  public OnlineOrBatch withMaxLatencyHours(double hours) {
    return new OnlineOrBatch(online, batch, mode, minRows, hours);
  }

  /** {@code AUTO}'s rule, for a known row count. */
  public static boolean batchFor(long rows, long minRows, double maxLatencyHours) {
    return maxLatencyHours >= BATCH_WINDOW_HOURS && rows >= minRows;
  }

  /** Whether the Batch API path can receive rows (so its limits apply to this run). */
  public boolean mayUseBatch() {
    return mode == Mode.BATCH || (mode == Mode.AUTO && maxLatencyHours >= BATCH_WINDOW_HOURS);
  }

  @Override
  public ApiResult expand(PCollection<ApiRequest> requests) {
    if (!mayUseBatch()) {
      return requests.apply("CallOpenAi", online);
    }
    if (mode == Mode.BATCH) {
      return requests.apply("BatchOpenAi", batch);
    }
    PCollectionView<Long> rows =
        requests.apply("CountRows", Count.<ApiRequest>globally()).apply("RowCount", View.asSingleton());
    TupleTag<ApiRequest> toBatch = new TupleTag<>("toBatch");
    TupleTag<ApiRequest> toOnline = new TupleTag<>("toOnline");
    PCollectionTuple split =
        requests.apply("ChooseMode", ParDo.of(new ChooseFn(rows, minRows, maxLatencyHours, toBatch))
            .withSideInputs(rows).withOutputTags(toOnline, TupleTagList.of(toBatch)));
    split.get(toBatch).setCoder(ApiRequest.Coder.of());
    split.get(toOnline).setCoder(ApiRequest.Coder.of());
    ApiResult on = split.get(toOnline).apply("CallOpenAi", online);
    ApiResult off = split.get(toBatch).apply("BatchOpenAi", batch);
    return ApiResult.of(
        PCollectionList.of(on.getResponses()).and(off.getResponses())
            .apply("AllResponses", Flatten.pCollections()),
        PCollectionList.of(on.getFailures()).and(off.getFailures())
            .apply("AllCallFailures", Flatten.pCollections()));
  }

  @Override
  public void populateDisplayData(DisplayData.Builder builder) {
    super.populateDisplayData(builder);
    builder
        .add(DisplayData.item("mode", mode.toString()))
        .add(DisplayData.item("autoMinRows", minRows))
        .add(DisplayData.item("maxLatencyHours", maxLatencyHours));
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
