package dev.openaibeam.call;

import java.util.ArrayList;
import java.util.List;
import org.apache.beam.sdk.transforms.windowing.BoundedWindow;
import org.joda.time.Instant;

/** One request on its way through attempts: what it costs, where its answer goes. */
final class PendingCall {
  final String shardKey;
  final ApiRequest request;
  final String model;
  final long cost;
  final long promptEstimate;
  final Instant timestamp;
  final BoundedWindow window;
  final List<ApiError> errors = new ArrayList<>(1);
  int attempts;
  long readyAtNanos;
  long sentAtNanos;
  /** Dollars (nano-USD) reserved for this call under a cost cap until its final answer. */
  long reservedNanoUsd;

  PendingCall(
      String shardKey,
      ApiRequest request,
      String model,
      long cost,
      long promptEstimate,
      Instant timestamp,
      BoundedWindow window) {
    this.shardKey = shardKey;
    this.request = request;
    this.model = model;
    this.cost = cost;
    this.promptEstimate = promptEstimate;
    this.timestamp = timestamp;
    this.window = window;
  }
}
