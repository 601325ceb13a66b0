package dev.openaibeam.batch;

import com.google.auto.value.AutoValue;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.cost.PriceTable;
import dev.openaibeam.transport.Backoff;
import java.io.Serializable;
import java.time.Duration;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * The configuration of an {@link OpenAiBatch}; immutable, serializable, free of secrets. Each
 * {@code with*} of the transform sets one field through {@link #toBuilder()}.
 */
@AutoValue
abstract class BatchConfiguration implements Serializable {
  /** The service's limits of one input file. */
  static final int MAX_REQUESTS_PER_FILE = 50_000;
  static final long MAX_BYTES_PER_FILE = 200L * 1024 * 1024;

  static BatchConfiguration of(OpenAiConnection connection) {
    return new AutoValue_BatchConfiguration.Builder()
        .setConnection(connection)
        .setCompletionWindow("24h")
        .setPollInterval(Duration.ofSeconds(60))
        .setMaxWait(Duration.ofHours(26))
        .setMaxRequestsPerFile(MAX_REQUESTS_PER_FILE)
        .setMaxBytesPerFile(MAX_BYTES_PER_FILE)
        .setMaxRounds(3)
        .setStateDirectory(null)
        .setControlBackoff(Backoff.standard())
        .setControlAttempts(6)
        .setPrices(PriceTable.bundled())
        .build();
  }

  abstract OpenAiConnection connection();

  abstract String completionWindow();

  abstract Duration pollInterval();

  abstract Duration maxWait();

  abstract int maxRequestsPerFile();

  abstract long maxBytesPerFile();

  abstract int maxRounds();

  abstract @Nullable String stateDirectory();

  /** The waits between attempts of a Files or Batches call. */
  abstract Backoff controlBackoff();

  /** Attempts of each Files or Batches call on transient errors. */
  abstract int controlAttempts();

  abstract PriceTable prices();

  abstract Builder toBuilder();

  @AutoValue.Builder
  abstract static class Builder {
    abstract Builder setConnection(OpenAiConnection v);

    abstract Builder setCompletionWindow(String v);

    abstract Builder setPollInterval(Duration v);

    abstract Builder setMaxWait(Duration v);

    abstract Builder setMaxRequestsPerFile(int v);

    abstract Builder setMaxBytesPerFile(long v);

    abstract Builder setMaxRounds(int v);

    abstract Builder setStateDirectory(@Nullable String v);

    abstract Builder setControlBackoff(Backoff v);

    abstract Builder setControlAttempts(int v);

    abstract Builder setPrices(PriceTable v);

    abstract BatchConfiguration build();
  }
}
