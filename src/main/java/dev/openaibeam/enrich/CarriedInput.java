package dev.openaibeam.enrich;

import com.google.common.hash.Hashing;
import java.util.Base64;
import org.checkerframework.checker.nullness.qual.Nullable;

/**
 * Carries an input element, encoded by its coder, inside the request's pass-through metadata, next
 * to the user's own metadata: {@code {"enrich_input":"BASE64","metadata":USER_JSON}}. The element
 * then travels with its request through {@code OpenAiCall} and comes back on the answer or the
 * failure, on any runner and in any window, with no join.
 */
final class CarriedInput {
  private static final String PREFIX = "{\"enrich_input\":\"";
  private static final String MIDDLE = "\",\"metadata\":";

  private CarriedInput() {}

  static String wrap(byte[] encodedInput, @Nullable String userMetadata) {
    String b64 = Base64.getEncoder().encodeToString(encodedInput);
    String user = userMetadata == null ? "null" : userMetadata;
    return new StringBuilder(PREFIX.length() + b64.length() + MIDDLE.length() + user.length() + 1)
        .append(PREFIX)
        .append(b64)
        .append(MIDDLE)
        .append(user)
        .append('}')
        .toString();
  }

  /** The encoded element; base64 has no quotes, so the first quote after the prefix ends it. */
  static byte[] input(String metadata) {
    check(metadata);
    int end = metadata.indexOf('"', PREFIX.length());
    return Base64.getDecoder().decode(metadata.substring(PREFIX.length(), end));
  }

  /** The user's metadata as given to the request function (null when none was given). */
  static @Nullable String userMetadata(String metadata) {
    check(metadata);
    int end = metadata.indexOf('"', PREFIX.length());
    String user = metadata.substring(end + MIDDLE.length(), metadata.length() - 1);
    return user.equals("null") ? null : user;
  }

  /** A stable id for an element without one: the same element gets the same id in every run. */
  static String derivedId(byte[] encodedInput) {
    return "in-" + Hashing.sha256().hashBytes(encodedInput).toString().substring(0, 20);
  }

  private static void check(@Nullable String metadata) {
    if (metadata == null || !metadata.startsWith(PREFIX) || !metadata.endsWith("}")
        || metadata.indexOf(MIDDLE, PREFIX.length()) < 0) {
      throw new IllegalStateException(
          "request metadata does not carry an enrichment input; was it changed on the way?");
    }
  }
}
