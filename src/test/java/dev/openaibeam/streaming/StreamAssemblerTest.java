package dev.openaibeam.streaming;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** Streamed answers, as the service frames them, joined into the answer a plain call returns. */
class StreamAssemblerTest {
  private final AtomicLong clock = new AtomicLong(1);

  private StreamAssembler.Assembled read(String... chunks) {
    StreamAssembler a = new StreamAssembler(clock::incrementAndGet);
    EventStreamParser p = new EventStreamParser(a);
    for (String c : chunks) {
      p.feed(ByteBuffer.wrap(c.getBytes(StandardCharsets.UTF_8)));
    }
    p.end();
    return a.finish();
  }

  private static String chunk(String choiceJson) {
    return "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"created\":7,"
        + "\"model\":\"gpt-4o-mini\",\"choices\":[" + choiceJson + "]}\n\n";
  }

  @Test
  void givenChatChunks_joinsContentFinishReasonAndUsage() {
    StreamAssembler.Assembled s = read(
        chunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"},\"finish_reason\":null}"),
        chunk("{\"index\":0,\"delta\":{\"content\":\"Hel\"},\"finish_reason\":null}"),
        // An event cut across two network reads, with CRLF line ends.
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[{\"index\":0,",
        "\"delta\":{\"content\":\"lo\"},\"finish_reason\":null}]}\r\n\r\n",
        chunk("{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"}"),
        "data: {\"id\":\"chatcmpl-1\",\"object\":\"chat.completion.chunk\",\"choices\":[],"
            + "\"usage\":{\"prompt_tokens\":5,\"completion_tokens\":2,\"total_tokens\":7}}\n\n",
        ": keep-alive\n\n",
        "data: [DONE]\n\n");
    JsonNode a = s.answer();
    assertNotNull(a, String.valueOf(s.problem()));
    assertEquals("chat.completion", a.get("object").asText());
    assertEquals("chatcmpl-1", a.get("id").asText());
    assertEquals("gpt-4o-mini", a.get("model").asText());
    assertEquals("Hello", a.at("/choices/0/message/content").asText());
    assertEquals("assistant", a.at("/choices/0/message/role").asText());
    assertEquals("stop", a.at("/choices/0/finish_reason").asText());
    assertEquals(7, a.at("/usage/total_tokens").asInt());
  }

  @Test
  void givenToolCallFragments_joinsEachCallsArguments() {
    StreamAssembler.Assembled s = read(
        chunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"index\":0,"
            + "\"id\":\"call_1\",\"type\":\"function\",\"function\":{\"name\":\"get_weather\",\"arguments\":\"\"}}]}}"),
        chunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"{\\\"city\\\":\"}}]}}"),
        chunk("{\"index\":0,\"delta\":{\"tool_calls\":[{\"index\":0,\"function\":{\"arguments\":\"\\\"Oslo\\\"}\"}}]}}"),
        chunk("{\"index\":0,\"delta\":{},\"finish_reason\":\"tool_calls\"}"),
        "data: [DONE]\n\n");
    JsonNode call = s.answer().at("/choices/0/message/tool_calls/0");
    assertEquals("call_1", call.get("id").asText());
    assertEquals("get_weather", call.at("/function/name").asText());
    assertEquals("{\"city\":\"Oslo\"}", call.at("/function/arguments").asText());
    assertTrue(s.answer().at("/choices/0/message/content").isNull());
    assertEquals("tool_calls", s.answer().at("/choices/0/finish_reason").asText());
  }

  @Test
  void givenTwoChoices_keepsThemApart() {
    StreamAssembler.Assembled s = read(
        chunk("{\"index\":1,\"delta\":{\"content\":\"B\"}}"),
        chunk("{\"index\":0,\"delta\":{\"content\":\"A\"}}"),
        chunk("{\"index\":0,\"delta\":{},\"finish_reason\":\"stop\"},{\"index\":1,\"delta\":{},\"finish_reason\":\"length\"}"),
        "data: [DONE]\n\n");
    assertEquals("A", s.answer().at("/choices/0/message/content").asText());
    assertEquals("B", s.answer().at("/choices/1/message/content").asText());
    assertEquals("length", s.answer().at("/choices/1/finish_reason").asText());
  }

  @Test
  void givenCompletionChunks_joinsText() {
    StreamAssembler.Assembled s = read(
        "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"model\":\"m\",\"choices\":[{\"text\":\"ab\",\"index\":0,\"finish_reason\":null}]}\n\n",
        "data: {\"id\":\"cmpl-1\",\"object\":\"text_completion\",\"model\":\"m\",\"choices\":[{\"text\":\"c\",\"index\":0,\"finish_reason\":\"stop\"}]}\n\n",
        "data: [DONE]\n\n");
    assertEquals("text_completion", s.answer().get("object").asText());
    assertEquals("abc", s.answer().at("/choices/0/text").asText());
  }

  @Test
  void givenResponsesEvents_theAnswerIsTheCompletedResponse() {
    StreamAssembler.Assembled s = read(
        "event: response.created\ndata: {\"type\":\"response.created\",\"response\":{\"id\":\"resp_1\",\"status\":\"in_progress\"}}\n\n",
        "event: response.output_text.delta\ndata: {\"type\":\"response.output_text.delta\",\"delta\":\"Hi\"}\n\n",
        "event: response.completed\ndata: {\"type\":\"response.completed\",\"response\":{\"id\":\"resp_1\",\"status\":\"completed\",\"output\":[]}}\n\n");
    assertEquals("completed", s.answer().get("status").asText());
    assertEquals("resp_1", s.answer().get("id").asText());
  }

  @Test
  void givenAStreamCutShort_itIsUnreadable() {
    StreamAssembler.Assembled s = read(chunk("{\"index\":0,\"delta\":{\"content\":\"Hel\"}}"));
    assertNull(s.answer());
    assertTrue(s.problem().contains("cut short"), s.problem());
  }

  @Test
  void givenAnErrorInTheStream_itIsTheServicesError() {
    StreamAssembler.Assembled s = read(
        chunk("{\"index\":0,\"delta\":{\"content\":\"Hel\"}}"),
        "data: {\"error\":{\"message\":\"The server had an error\",\"type\":\"server_error\"}}\n\n");
    assertNull(s.answer());
    assertEquals("server_error", s.error().get("type").asText());
  }

  @Test
  void firstTokenIsTheFirstEventWithContent_notTheRoleOnlyOne() {
    StreamAssembler a = new StreamAssembler(clock::incrementAndGet);
    a.event("", chunk("{\"index\":0,\"delta\":{\"role\":\"assistant\",\"content\":\"\"}}").substring(6).trim());
    assertEquals(-1, a.firstTokenNanos());
    a.event("", chunk("{\"index\":0,\"delta\":{\"content\":\"x\"}}").substring(6).trim());
    long first = a.firstTokenNanos();
    assertTrue(first > 0);
    a.event("", chunk("{\"index\":0,\"delta\":{\"content\":\"y\"}}").substring(6).trim());
    assertEquals(first, a.firstTokenNanos());
  }

  @Test
  void multiLineDataIsJoinedWithNewlines() {
    StringBuilder got = new StringBuilder();
    EventStreamParser p = new EventStreamParser((name, data) -> got.append(name).append('|').append(data).append(';'));
    p.feed(ByteBuffer.wrap("event: x\ndata: a\ndata: b\n\ndata:c\r\rdata: tail".getBytes(StandardCharsets.UTF_8)));
    p.end();
    assertEquals("x|a\nb;|c;|tail;", got.toString());
  }

  @Test
  void aStreamedRequestIsRecognisedAndCanBeUnstreamed() {
    assertTrue(StreamedRequests.isStreamed("{\"model\":\"m\",\"stream\":true}"));
    assertTrue(!StreamedRequests.isStreamed("{\"model\":\"m\",\"stream\":false}"));
    assertTrue(!StreamedRequests.isStreamed("{\"model\":\"m\",\"metadata\":{\"stream\":true}}"));
    assertEquals("{\"model\":\"m\"}",
        StreamedRequests.unstreamed("{\"model\":\"m\",\"stream\":true,\"stream_options\":{\"include_usage\":true}}"));
  }
}
