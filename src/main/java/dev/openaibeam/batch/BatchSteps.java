package dev.openaibeam.batch;

import com.google.common.hash.Hashing;
import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.api.ApiResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.DoFn;
import org.apache.beam.sdk.transforms.SerializableFunction;
import org.apache.beam.sdk.values.KV;
import org.apache.beam.sdk.values.PCollectionView;
import org.apache.beam.sdk.values.TupleTag;

/** The steps of an {@link OpenAiBatch}: size the input, cut it into files, submit, await. */
final class BatchSteps {
  private BatchSteps() {}

  /** Number of hash groups: each holds about half a file, so cutting rarely leaves a small tail. */
  static int groups(long rows, long bytes, int maxRequests, long maxBytes) {
    long byRows = (rows * 2 + maxRequests - 1) / maxRequests;
    long byBytes = (bytes * 2 + maxBytes - 1) / maxBytes;
    return (int) Math.max(1, Math.min(Integer.MAX_VALUE, Math.max(byRows, byBytes)));
  }

  static final class RowBytesFn extends DoFn<ApiRequest, KV<Long, Long>> {
    @ProcessElement
    public void process(@Element ApiRequest r, OutputReceiver<KV<Long, Long>> out) {
      out.output(KV.of(1L, (long) r.getBody().length() + 96));
    }
  }

  static final class SumPairs implements SerializableFunction<Iterable<KV<Long, Long>>, KV<Long, Long>> {
    @Override
    public KV<Long, Long> apply(Iterable<KV<Long, Long>> in) {
      long a = 0;
      long b = 0;
      for (KV<Long, Long> kv : in) {
        a += kv.getKey();
        b += kv.getValue();
      }
      return KV.of(a, b);
    }
  }

  /** Key = endpoint and a hash of the row id: stable for the same input. */
  static final class KeyByGroupFn extends DoFn<ApiRequest, KV<String, ApiRequest>> {
    private final PCollectionView<KV<Long, Long>> size;
    private final int maxRequests;
    private final long maxBytes;

    KeyByGroupFn(PCollectionView<KV<Long, Long>> size, int maxRequests, long maxBytes) {
      this.size = size;
      this.maxRequests = maxRequests;
      this.maxBytes = maxBytes;
    }

    @ProcessElement
    public void process(ProcessContext c) {
      KV<Long, Long> s = c.sideInput(size);
      int groups = groups(s.getKey(), s.getValue(), maxRequests, maxBytes);
      ApiRequest r = c.element();
      int h = Hashing.murmur3_32_fixed().hashString(r.getId(), StandardCharsets.UTF_8).asInt();
      c.output(KV.of(r.getEndpoint() + "|" + Math.floorMod(h, groups), r));
    }
  }

  static final class SplitFn extends DoFn<KV<String, Iterable<ApiRequest>>, BatchChunk> {
    private final int maxRequests;
    private final long maxBytes;

    SplitFn(int maxRequests, long maxBytes) {
      this.maxRequests = maxRequests;
      this.maxBytes = maxBytes;
    }

    @ProcessElement
    public void process(@Element KV<String, Iterable<ApiRequest>> group, OutputReceiver<BatchChunk> out) {
      List<ApiRequest> rows = new ArrayList<>();
      group.getValue().forEach(rows::add);
      String endpoint = rows.get(0).getEndpoint();
      for (BatchChunk c : ChunkSplitter.split(endpoint, rows, maxRequests, maxBytes)) {
        out.output(c);
      }
    }
  }

  static final class SubmitFn extends DoFn<BatchChunk, KV<BatchChunk, String>> {
    private final BatchConfiguration settings;
    private final TupleTag<KV<BatchChunk, String>> submitted;
    private final TupleTag<ApiFailure> failures;
    private transient ChunkRunner runner;

    SubmitFn(BatchConfiguration settings, TupleTag<KV<BatchChunk, String>> submitted, TupleTag<ApiFailure> failures) {
      this.settings = settings;
      this.submitted = submitted;
      this.failures = failures;
    }

    @Setup
    public void setup() {
      runner = new ChunkRunner(settings, new BatchMetrics());
    }

    @ProcessElement
    public void process(@Element BatchChunk chunk, MultiOutputReceiver out) {
      ChunkRunner.Submitted s = runner.submit(chunk);
      if (s.state != null) {
        out.get(submitted).output(KV.of(chunk, s.state.toJson()));
      }
      for (ApiFailure f : s.failures) {
        out.get(failures).output(f);
      }
    }

    @Teardown
    public void teardown() {
      if (runner != null) {
        runner.close();
      }
    }
  }

  static final class AwaitFn extends DoFn<KV<BatchChunk, String>, ApiResponse> {
    private final BatchConfiguration settings;
    private final TupleTag<ApiResponse> responses;
    private final TupleTag<ApiFailure> failures;
    private transient ChunkRunner runner;

    AwaitFn(BatchConfiguration settings, TupleTag<ApiResponse> responses, TupleTag<ApiFailure> failures) {
      this.settings = settings;
      this.responses = responses;
      this.failures = failures;
    }

    @Setup
    public void setup() {
      runner = new ChunkRunner(settings, new BatchMetrics());
    }

    @ProcessElement
    public void process(@Element KV<BatchChunk, String> e, MultiOutputReceiver out) throws Exception {
      runner.await(e.getKey(), ChunkState.fromJson(e.getValue()),
          r -> out.get(responses).output(r), f -> out.get(failures).output(f));
    }

    @Teardown
    public void teardown() {
      if (runner != null) {
        runner.close();
      }
    }
  }

}
