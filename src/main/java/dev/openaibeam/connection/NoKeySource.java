package dev.openaibeam.connection;

/** No key at all: local servers (vLLM, llama.cpp, Ollama) that want none. */
enum NoKeySource implements ApiKeySource {
  INSTANCE;

  @Override
  public String resolve() {
    return "";
  }

  @Override
  public String describe() {
    return "none";
  }
}
