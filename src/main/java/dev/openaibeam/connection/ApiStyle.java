package dev.openaibeam.connection;

/** How the service wants its URLs and key: OpenAI (and compatibles) or Azure OpenAI. */
public enum ApiStyle {
  /** {@code BASE/chat/completions}, {@code Authorization: Bearer KEY}. */
  OPENAI,
  /** {@code BASE/openai/deployments/MODEL/chat/completions?api-version=V}, {@code api-key: KEY}. */
  AZURE
}
