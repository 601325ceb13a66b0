package dev.openaibeam.tokens;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.knuddels.jtokkit.api.EncodingType;
import org.junit.jupiter.api.Test;

class TokenEstimatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final TokenEstimator EST = TokenEstimator.create();

  private static JsonNode json(String s) throws Exception {
    return JSON.readTree(s);
  }

  @Test
  void encodingByModelFamily() {
    for (String m : new String[] {"gpt-4o", "gpt-4o-mini", "gpt-4.1-nano", "gpt-5", "o1-mini", "o3", "o4-mini", "ft:gpt-4o-mini:org::x"}) {
      assertEquals(EncodingType.O200K_BASE, ModelEncodings.encodingTypeFor(m), m);
    }
    for (String m : new String[] {"gpt-4", "gpt-4-turbo", "gpt-3.5-turbo", "text-embedding-3-small", "text-embedding-ada-002", "llama-3"}) {
      assertEquals(EncodingType.CL100K_BASE, ModelEncodings.encodingTypeFor(m), m);
    }
  }

  @Test
  void chatCountsMessagesOverheadAndReservesNTimesMax() throws Exception {
    // cl100k: "Hello world" is 2 tokens, "user" 1: 3 + 1 + 2 per message, + 3 priming.
    TokenEstimate e = EST.estimate("/v1/chat/completions",
        json("{\"model\":\"gpt-4\",\"messages\":[{\"role\":\"user\",\"content\":\"Hello world\"}],\"max_tokens\":50,\"n\":3}"));
    assertEquals(9, e.promptTokens());
    assertEquals(150, e.completionTokens());
    TokenEstimate parts = EST.estimate("/v1/chat/completions",
        json("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":[{\"type\":\"text\",\"text\":\"Hello world\"},"
            + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://x/y.png\",\"detail\":\"low\"}}]}],\"max_completion_tokens\":10}"));
    assertEquals(3 + 1 + 2 + 85 + 3, parts.promptTokens());
    assertEquals(10, parts.completionTokens());
  }

  @Test
  void defaultReservationWhenNoMax() throws Exception {
    TokenEstimate e = EST.withDefaultMaxTokens(77).estimate("/v1/chat/completions",
        json("{\"model\":\"gpt-4o\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}"));
    assertEquals(77, e.completionTokens());
  }

  @Test
  void completionsAndEmbeddingsArrays() throws Exception {
    TokenEstimate c = EST.estimate("/v1/completions",
        json("{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":[\"Hello world\",\"Hello world\"],\"max_tokens\":10,\"n\":2}"));
    assertEquals(4, c.promptTokens());
    assertEquals(40, c.completionTokens(), "2 prompts x n=2 x 10");
    TokenEstimate emb = EST.estimate("/v1/embeddings",
        json("{\"model\":\"text-embedding-3-small\",\"input\":[\"Hello world\",\"Hello world\"]}"));
    assertEquals(4, emb.promptTokens());
    assertEquals(0, emb.completionTokens());
    TokenEstimate ids = EST.estimate("/v1/embeddings",
        json("{\"model\":\"text-embedding-3-small\",\"input\":[[1,2,3],[4,5]]}"));
    assertEquals(5, ids.promptTokens());
  }

  @Test
  void responsesApiAndOverride() throws Exception {
    TokenEstimate r = EST.estimate("/v1/responses",
        json("{\"model\":\"gpt-4o\",\"input\":\"Hello world\",\"instructions\":\"Be brief\",\"max_output_tokens\":20}"));
    assertTrue(r.promptTokens() >= 4);
    assertEquals(20, r.completionTokens());
    String text = "Überraschung! 你好世界, नमस्ते दुनिया";
    long overridden = EST.withEncoding("o200k_base").countText("gpt-4", text);
    assertEquals(ModelEncodings.encoding(EncodingType.O200K_BASE).countTokensOrdinary(text), overridden);
    assertEquals(ModelEncodings.encoding(EncodingType.CL100K_BASE).countTokensOrdinary(text), EST.countText("gpt-4", text));
    assertTrue(overridden < EST.countText("gpt-4", text), "o200k is denser on non-Latin text");
  }
}
