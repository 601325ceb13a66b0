package dev.openaibeam.batch;

import org.apache.beam.sdk.metrics.Counter;
import org.apache.beam.sdk.metrics.Metrics;

/** The Beam metrics of the Batch API path, in namespace {@value #NAMESPACE}. */
public final class BatchMetrics {
  public static final String NAMESPACE = "openai-batch";
  public static final String HTTP_CALLS = "http_calls";
  public static final String FILES_UPLOADED = "files_uploaded";
  public static final String BATCHES_CREATED = "batches_created";
  public static final String BATCHES_REATTACHED = "batches_reattached";
  public static final String POLLS = "polls";
  public static final String LINES_SUCCEEDED = "lines_succeeded";
  public static final String LINES_FAILED = "lines_failed";
  public static final String LINES_RESUBMITTED = "lines_resubmitted";

  final Counter httpCalls = Metrics.counter(NAMESPACE, HTTP_CALLS);
  final Counter filesUploaded = Metrics.counter(NAMESPACE, FILES_UPLOADED);
  final Counter batchesCreated = Metrics.counter(NAMESPACE, BATCHES_CREATED);
  final Counter batchesReattached = Metrics.counter(NAMESPACE, BATCHES_REATTACHED);
  final Counter polls = Metrics.counter(NAMESPACE, POLLS);
  final Counter linesSucceeded = Metrics.counter(NAMESPACE, LINES_SUCCEEDED);
  final Counter linesFailed = Metrics.counter(NAMESPACE, LINES_FAILED);
  final Counter linesResubmitted = Metrics.counter(NAMESPACE, LINES_RESUBMITTED);
}
