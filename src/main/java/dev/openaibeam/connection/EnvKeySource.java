package dev.openaibeam.connection;

import java.util.Objects;

/** The key in an environment variable of the worker. */
record EnvKeySource(String variable) implements ApiKeySource {
  EnvKeySource {
    Objects.requireNonNull(variable, "variable");
  }

  @Override
  public String resolve() {
    String v = System.getenv(variable);
    if (v == null || v.isBlank()) {
      throw new IllegalStateException(
          "no API key: environment variable " + variable + " is not set on this worker");
    }
    return v.trim();
  }

  @Override
  public String describe() {
    return "env:" + variable;
  }

  @Override
  public String toString() {
    return describe();
  }
}
