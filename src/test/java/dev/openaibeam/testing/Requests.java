package dev.openaibeam.testing;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.openaibeam.api.ApiRequest;
import java.util.ArrayList;
import java.util.List;

/** Builds request rows for tests and benchmarks. */
public final class Requests {
  private static final ObjectMapper JSON = new ObjectMapper();

  private Requests() {}

  public static ApiRequest chat(String id, String model, String text, int maxTokens) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", model);
    ObjectNode msg = body.putArray("messages").addObject();
    msg.put("role", "user");
    msg.put("content", text);
    body.put("max_tokens", maxTokens);
    return ApiRequest.of(id, "/v1/chat/completions", body.toString(), "{\"row\":\"" + id + "\"}");
  }

  public static ApiRequest embedding(String id, String text) {
    ObjectNode body = JSON.createObjectNode();
    body.put("model", "text-embedding-3-small");
    body.put("input", text);
    return ApiRequest.of(id, "/v1/embeddings", body.toString(), null);
  }

  public static List<ApiRequest> chats(int n, int maxTokens) {
    List<ApiRequest> out = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      out.add(chat("row-" + i, "gpt-4o-mini", "Question number " + i + ": what is " + i + " + 1?", maxTokens));
    }
    return out;
  }
}
