package dev.openaibeam.tokens;

import com.knuddels.jtokkit.Encodings;
import com.knuddels.jtokkit.api.Encoding;
import com.knuddels.jtokkit.api.EncodingRegistry;
import com.knuddels.jtokkit.api.EncodingType;
import java.util.Locale;

/** Which tokenizer a model family uses. One lazily built registry per JVM: encodings are big. */
public final class ModelEncodings {
  private static final EncodingRegistry REGISTRY = Encodings.newLazyEncodingRegistry();

  private ModelEncodings() {}

  /**
   * o200k_base for gpt-4o, gpt-4.1, gpt-4.5, gpt-5 and the o-series; cl100k_base for gpt-4,
   * gpt-3.5, text-embedding-3 and ada-002, and for anything unknown (the safer, commoner choice).
   */
  public static EncodingType encodingTypeFor(String model) {
    String m = model == null ? "" : model.toLowerCase(Locale.ROOT);
    // Fine-tuned models are named ft:BASE:org::id.
    if (m.startsWith("ft:")) {
      m = m.substring(3);
    }
    if (m.startsWith("gpt-4o")
        || m.startsWith("gpt-4.1")
        || m.startsWith("gpt-4.5")
        || m.startsWith("gpt-5")
        || m.startsWith("chatgpt-4o")
        || m.startsWith("o1")
        || m.startsWith("o3")
        || m.startsWith("o4")
        || m.startsWith("gpt-oss")) {
      return EncodingType.O200K_BASE;
    }
    if (m.startsWith("text-davinci") || m.startsWith("davinci") || m.startsWith("babbage")) {
      return EncodingType.P50K_BASE;
    }
    return EncodingType.CL100K_BASE;
  }

  public static Encoding encoding(EncodingType type) {
    return REGISTRY.getEncoding(type);
  }

  /** Parses an encoding name such as {@code o200k_base}; throws for an unknown one. */
  public static EncodingType parse(String name) {
    return EncodingType.fromName(name.toLowerCase(Locale.ROOT))
        .orElseThrow(() -> new IllegalArgumentException("unknown token encoding: " + name));
  }
}
