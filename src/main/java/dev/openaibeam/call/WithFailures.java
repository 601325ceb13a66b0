package dev.openaibeam.call;

import java.util.Map;
import org.apache.beam.sdk.Pipeline;
import org.apache.beam.sdk.transforms.PTransform;
import org.apache.beam.sdk.values.PCollection;
import org.apache.beam.sdk.values.PCollectionTuple;
import org.apache.beam.sdk.values.PInput;
import org.apache.beam.sdk.values.POutput;
import org.apache.beam.sdk.values.PValue;
import org.apache.beam.sdk.values.TupleTag;

/**
 * The output of a step that yields elements and {@link ApiFailure}s, in the manner of Beam's
 * {@code RequestResponseIO.Result}: two PCollections of one multi-output ParDo, under tags made
 * per transform instance.
 */
public abstract class WithFailures<T> implements POutput {
  private final Pipeline pipeline;
  private final TupleTag<T> mainTag;
  private final TupleTag<ApiFailure> failuresTag;
  private final PCollectionTuple tuple;

  protected WithFailures(
      Pipeline pipeline, TupleTag<T> mainTag, TupleTag<ApiFailure> failuresTag, PCollectionTuple tuple) {
    this.pipeline = pipeline;
    this.mainTag = mainTag;
    this.failuresTag = failuresTag;
    this.tuple = tuple;
  }

  protected PCollection<T> main() {
    return tuple.get(mainTag);
  }

  public PCollection<ApiFailure> getFailures() {
    return tuple.get(failuresTag);
  }

  @Override
  public Pipeline getPipeline() {
    return pipeline;
  }

  @Override
  public Map<TupleTag<?>, PValue> expand() {
    return Map.of(mainTag, main(), failuresTag, getFailures());
  }

  @Override
  public void finishSpecifyingOutput(
      String transformName, PInput input, PTransform<?, ?> transform) {}
}
