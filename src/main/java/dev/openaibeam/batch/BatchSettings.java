package dev.openaibeam.batch;

import dev.openaibeam.cost.PriceTable;
import dev.openaibeam.http.ApiKeySource;
import dev.openaibeam.http.HttpSettings;
import dev.openaibeam.http.RetryPolicy;
import java.io.Serializable;
import java.time.Duration;
import org.checkerframework.checker.nullness.qual.Nullable;

/** The configuration of an {@link OpenAiBatch}; immutable, serializable, free of secrets. */
final class BatchSettings implements Serializable {
  final HttpSettings http;
  final ApiKeySource keySource;
  final String completionWindow;
  final Duration pollInterval;
  final Duration maxWait;
  final int maxRequestsPerFile;
  final long maxBytesPerFile;
  final int maxRounds;
  final @Nullable String stateDirectory;
  final RetryPolicy controlRetries;
  final PriceTable prices;

  BatchSettings(HttpSettings http, ApiKeySource keySource, String completionWindow,
      Duration pollInterval, Duration maxWait, int maxRequestsPerFile, long maxBytesPerFile,
      int maxRounds, @Nullable String stateDirectory, RetryPolicy controlRetries, PriceTable prices) {
    this.http = http;
    this.keySource = keySource;
    this.completionWindow = completionWindow;
    this.pollInterval = pollInterval;
    this.maxWait = maxWait;
    this.maxRequestsPerFile = maxRequestsPerFile;
    this.maxBytesPerFile = maxBytesPerFile;
    this.maxRounds = maxRounds;
    this.stateDirectory = stateDirectory;
    this.controlRetries = controlRetries;
    this.prices = prices;
  }

  static BatchSettings defaults() {
    return new BatchSettings(HttpSettings.of("https://api.openai.com/v1"),
        ApiKeySource.fromEnv("OPENAI_API_KEY"), "24h", Duration.ofSeconds(60),
        Duration.ofHours(26), 50_000, 200L * 1024 * 1024, 3, null, RetryPolicy.of(6),
        PriceTable.bundled());
  }

  BatchSettings http(HttpSettings v) {
    return new BatchSettings(v, keySource, completionWindow, pollInterval, maxWait,
        maxRequestsPerFile, maxBytesPerFile, maxRounds, stateDirectory, controlRetries, prices);
  }

  BatchSettings keySource(ApiKeySource v) {
    return new BatchSettings(http, v, completionWindow, pollInterval, maxWait,
        maxRequestsPerFile, maxBytesPerFile, maxRounds, stateDirectory, controlRetries, prices);
  }

  BatchSettings completionWindow(String v) {
    return new BatchSettings(http, keySource, v, pollInterval, maxWait,
        maxRequestsPerFile, maxBytesPerFile, maxRounds, stateDirectory, controlRetries, prices);
  }

  BatchSettings pollInterval(Duration v) {
    return new BatchSettings(http, keySource, completionWindow, v, maxWait,
        maxRequestsPerFile, maxBytesPerFile, maxRounds, stateDirectory, controlRetries, prices);
  }

  BatchSettings maxWait(Duration v) {
    return new BatchSettings(http, keySource, completionWindow, pollInterval, v,
        maxRequestsPerFile, maxBytesPerFile, maxRounds, stateDirectory, controlRetries, prices);
  }

  BatchSettings fileLimits(int requests, long bytes) {
    return new BatchSettings(http, keySource, completionWindow, pollInterval, maxWait,
        requests, bytes, maxRounds, stateDirectory, controlRetries, prices);
  }

  BatchSettings maxRounds(int v) {
    return new BatchSettings(http, keySource, completionWindow, pollInterval, maxWait,
        maxRequestsPerFile, maxBytesPerFile, v, stateDirectory, controlRetries, prices);
  }

  BatchSettings stateDirectory(@Nullable String v) {
    return new BatchSettings(http, keySource, completionWindow, pollInterval, maxWait,
        maxRequestsPerFile, maxBytesPerFile, maxRounds, v, controlRetries, prices);
  }

  BatchSettings controlRetries(RetryPolicy v) {
    return new BatchSettings(http, keySource, completionWindow, pollInterval, maxWait,
        maxRequestsPerFile, maxBytesPerFile, maxRounds, stateDirectory, v, prices);
  }

  BatchSettings prices(PriceTable v) {
    return new BatchSettings(http, keySource, completionWindow, pollInterval, maxWait,
        maxRequestsPerFile, maxBytesPerFile, maxRounds, stateDirectory, controlRetries, v);
  }
}
