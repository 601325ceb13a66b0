package dev.openaibeam.emulator;

/** What the emulator's Files and Batches endpoints have done since the start or the last reset. */
public record BatchStats(long httpCalls, long filesUploaded, long uploadsRejected,
    long batchesCreated, long cancelRequests, long linesAnswered, long lineFailures) {

  String toJson() {
    return "{\"http_calls\":" + httpCalls + ",\"files_uploaded\":" + filesUploaded
        + ",\"uploads_rejected\":" + uploadsRejected + ",\"batches_created\":" + batchesCreated
        + ",\"batches_cancel_requests\":" + cancelRequests
        + ",\"lines_answered\":" + linesAnswered + ",\"line_failures\":" + lineFailures + "}";
  }
}
