package dev.openaibeam.cost;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.Serializable;
import org.apache.beam.sdk.coders.AtomicCoder;
import org.apache.beam.sdk.coders.BooleanCoder;
import org.apache.beam.sdk.coders.StringUtf8Coder;
import org.apache.beam.sdk.coders.VarLongCoder;

/**
 * A budget shard's spend as kept in Beam state, so it follows the key to whichever worker runs it:
 * what its answers cost so far, what its calls in flight had reserved when it was written, whether
 * the shard hit its cap, and which calling instance wrote it (with a sequence number), so that
 * instance can tell its own newer in-memory account from a snapshot written elsewhere.
 */
public final class SpendSnapshot implements Serializable {
  final long settledNanos;
  final long reservedNanos;
  final boolean capped;
  final String writer;
  final long sequence;

  SpendSnapshot(long settledNanos, long reservedNanos, boolean capped, String writer, long sequence) {
    this.settledNanos = settledNanos;
    this.reservedNanos = reservedNanos;
    this.capped = capped;
    this.writer = writer;
    this.sequence = sequence;
  }

  public long settledNanos() {
    return settledNanos;
  }

  public long reservedNanos() {
    return reservedNanos;
  }

  public boolean capped() {
    return capped;
  }

  @Override
  public String toString() {
    return "SpendSnapshot{settled=" + settledNanos + ", reserved=" + reservedNanos + ", capped="
        + capped + "}";
  }

  /** Coder for the state cell. */
  public static final class Coder extends AtomicCoder<SpendSnapshot> {
    private static final Coder INSTANCE = new Coder();

    public static Coder of() {
      return INSTANCE;
    }

    @Override
    public void encode(SpendSnapshot v, OutputStream out) throws IOException {
      VarLongCoder.of().encode(v.settledNanos, out);
      VarLongCoder.of().encode(v.reservedNanos, out);
      BooleanCoder.of().encode(v.capped, out);
      StringUtf8Coder.of().encode(v.writer, out);
      VarLongCoder.of().encode(v.sequence, out);
    }

    @Override
    public SpendSnapshot decode(InputStream in) throws IOException {
      return new SpendSnapshot(
          VarLongCoder.of().decode(in),
          VarLongCoder.of().decode(in),
          BooleanCoder.of().decode(in),
          StringUtf8Coder.of().decode(in),
          VarLongCoder.of().decode(in));
    }
  }
}
