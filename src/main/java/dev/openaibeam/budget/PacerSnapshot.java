package dev.openaibeam.budget;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.DoubleCoder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * A shard's budget as kept in Beam state: bucket levels at a wall-clock instant. Wall clock, not
 * {@code nanoTime}, because the key may resume on another worker.
 */
public final class PacerSnapshot implements Serializable {
  final double requestLevel;
  final double tokenLevel;
  final long epochMillis;

  PacerSnapshot(double requestLevel, double tokenLevel, long epochMillis) {
    this.requestLevel = requestLevel;
    this.tokenLevel = tokenLevel;
    this.epochMillis = epochMillis;
  }

  @Override
  public String toString() {
    return "PacerSnapshot{requests=" + requestLevel + ", tokens=" + tokenLevel + ", at="
        + epochMillis + "}";
  }

  /** Coder for the state cell. */
  public static final class Coder extends AtomicCoder<PacerSnapshot> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(PacerSnapshot v, OutputStream out) throws IOException {
      DoubleCoder.of().encode(v.requestLevel, out);
      DoubleCoder.of().encode(v.tokenLevel, out);
      VarLongCoder.of().encode(v.epochMillis, out);
    }

    @Override
    public PacerSnapshot decode(InputStream in) throws IOException {
      return new PacerSnapshot(
          DoubleCoder.of().decode(in), DoubleCoder.of().decode(in), VarLongCoder.of().decode(in));
    }
  }
}
