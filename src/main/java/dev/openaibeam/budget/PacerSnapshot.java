package dev.openaibeam.budget;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * A shard's budget as kept in Beam state: bucket levels at a wall-clock instant, and what was
 * learned about the limits (reported by the service, or found from its 429s), so a new bundle or
 * another worker continues with them. Wall clock, not {@code nanoTime}, because the key may resume
 * on another worker.
 */
public final class PacerSnapshot implements Serializable {
  final double requestLevel;
  final double tokenLevel;
  final long epochMillis;
  final long requestsPerMinuteReported;
  final long tokensPerMinuteReported;
  final double adaptiveRequestsPerSecond;
  final double adaptiveCeilingPerSecond;
  /** Which pacer wrote it, and its how-manieth snapshot: a pacer knows whether it wrote last. */
  final String writer;
  final long sequence;

  PacerSnapshot(
      double requestLevel,
      double tokenLevel,
      long epochMillis,
      long requestsPerMinuteReported,
      long tokensPerMinuteReported,
      double adaptiveRequestsPerSecond,
      double adaptiveCeilingPerSecond,
      String writer,
      long sequence) {
    this.requestLevel = requestLevel;
    this.tokenLevel = tokenLevel;
    this.epochMillis = epochMillis;
    this.requestsPerMinuteReported = requestsPerMinuteReported;
    this.tokensPerMinuteReported = tokensPerMinuteReported;
    this.adaptiveRequestsPerSecond = adaptiveRequestsPerSecond;
    this.adaptiveCeilingPerSecond = adaptiveCeilingPerSecond;
    this.writer = writer;
    this.sequence = sequence;
  }

  @Override
  public String toString() {
    return "PacerSnapshot{requests=" + requestLevel + ", tokens=" + tokenLevel + ", at="
        + epochMillis + ", reported rpm=" + requestsPerMinuteReported + ", tpm="
        + tokensPerMinuteReported + ", adaptive rps=" + adaptiveRequestsPerSecond + "}";
  }

  /** Coder for the state cell. */
  public static final class Coder extends AtomicCoder<PacerSnapshot> {
    private static final Coder INSTANCE = new Coder();
    private static final DoubleCoder DOUBLE = DoubleCoder.of();
    private static final VarLongCoder LONG = VarLongCoder.of();
    private static final StringUtf8Coder STRING = StringUtf8Coder.of();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(PacerSnapshot v, OutputStream out) throws IOException {
      DOUBLE.encode(v.requestLevel, out);
      DOUBLE.encode(v.tokenLevel, out);
      LONG.encode(v.epochMillis, out);
      LONG.encode(v.requestsPerMinuteReported, out);
      LONG.encode(v.tokensPerMinuteReported, out);
      DOUBLE.encode(v.adaptiveRequestsPerSecond, out);
      DOUBLE.encode(v.adaptiveCeilingPerSecond, out);
      STRING.encode(v.writer, out);
      LONG.encode(v.sequence, out);
    }

    @Override
    public PacerSnapshot decode(InputStream in) throws IOException {
      return new PacerSnapshot(
          DOUBLE.decode(in), DOUBLE.decode(in), LONG.decode(in), LONG.decode(in), LONG.decode(in),
          DOUBLE.decode(in), DOUBLE.decode(in), STRING.decode(in), LONG.decode(in));
    }
  }
}
