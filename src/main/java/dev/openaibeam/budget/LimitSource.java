package dev.openaibeam.budget;

/** Where a budget's limit of one kind came from, as the run summary tells it. */
public enum LimitSource {
  /** No limit known: nothing waits for this kind. */
  NONE("none"),
  /** The user's (--rpm / --tpm). */
  GIVEN("given"),
  /** The user's, lowered to what the service's x-ratelimit-limit-* header says. */
  GIVEN_LOWERED_BY_SERVICE("given, lowered to the service's x-ratelimit-limit-*"),
  /** The service's x-ratelimit-limit-* header: no limit was given. */
  SERVICE("from the service's x-ratelimit-limit-*"),
  /** Neither given nor reported: a rate found from the service's 429s. */
  ADAPTIVE("found from 429s (the service reports no limit)");

  private final String description;

  LimitSource(String description) {
    this.description = description;
  }

  public String description() {
    return description;
  }

  /** A stable number for a metric gauge. */
  public int code() {
    return ordinal();
  }

  public static LimitSource ofCode(long code) {
    return code >= 0 && code < values().length ? values()[(int) code] : NONE;
  }
}
