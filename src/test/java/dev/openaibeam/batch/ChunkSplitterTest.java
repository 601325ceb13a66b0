package dev.openaibeam.batch;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.openaibeam.api.ApiRequest;
import dev.openaibeam.testing.Requests;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The file limits (scaled down) and the determinism re-attachment relies on. */
class ChunkSplitterTest {
  private static final String CHAT = "/v1/chat/completions";

  private static long fileBytes(BatchChunk c) {
    long bytes = 0;
    for (int i = 0; i < c.requests.size(); i++) {
      bytes += BatchLines.lineBytes(BatchLines.inputLine(BatchChunk.customId(i), c.endpoint, c.requests.get(i).getBody()));
    }
    return bytes;
  }

  @Test
  void requestLimitCutsFiles() {
    List<BatchChunk> chunks = ChunkSplitter.split(CHAT, Requests.chats(1_050, 5), 500, Long.MAX_VALUE);
    assertEquals(List.of(500, 500, 50), chunks.stream().map(c -> c.requests.size()).toList());
    // The service's own limits: 50,000 requests per file.
    List<BatchChunk> real = ChunkSplitter.split(CHAT, Requests.chats(50_001, 5), 50_000, 200L * 1024 * 1024);
    assertEquals(List.of(50_000, 1), real.stream().map(c -> c.requests.size()).toList());
  }

  @Test
  void byteLimitCutsFilesAndEveryRowIsKeptOnce() {
    List<ApiRequest> rows = Requests.chats(300, 5);
    long limit = 4_000;
    List<BatchChunk> chunks = ChunkSplitter.split(CHAT, rows, 50_000, limit);
    assertTrue(chunks.size() > 5, "expected several files, got " + chunks.size());
    Set<String> ids = new HashSet<>();
    for (BatchChunk c : chunks) {
      assertTrue(fileBytes(c) <= limit, "file of " + fileBytes(c) + " bytes over " + limit);
      for (ApiRequest r : c.requests) {
        assertTrue(ids.add(r.getId()), "row in two files: " + r.getId());
      }
    }
    assertEquals(300, ids.size());
  }

  @Test
  void aRequestLargerThanTheLimitGetsAFileOfItsOwn() {
    List<ApiRequest> rows = new ArrayList<>(Requests.chats(3, 5));
    rows.add(Requests.chat("row-1a", "gpt-4o-mini", "x".repeat(5_000), 5));
    List<BatchChunk> chunks = ChunkSplitter.split(CHAT, rows, 50_000, 1_000);
    // row-0, row-1 | row-1a (alone, over the limit) | row-2: sorted by id, cut before and after.
    assertEquals(List.of(2, 1, 1), chunks.stream().map(c -> c.requests.size()).toList());
    assertTrue(chunks.stream().anyMatch(c -> c.requests.size() == 1 && c.requests.get(0).getId().equals("row-1a")));
  }

  @Test
  void sameRowsInAnyOrderGiveTheSameChunks() {
    List<ApiRequest> rows = Requests.chats(700, 5);
    // Duplicate-looking and long ids are fine: custom_ids are positions, not ids.
    rows.add(ApiRequest.of("row-1", CHAT, "{\"model\":\"m\",\"messages\":[]}", null));
    rows.add(ApiRequest.of("x".repeat(600), CHAT, "{\"model\":\"m\",\"messages\":[]}", null));
    List<ApiRequest> shuffled = new ArrayList<>(rows);
    Collections.shuffle(shuffled, new Random(3));
    List<String> a = ChunkSplitter.split(CHAT, rows, 250, Long.MAX_VALUE).stream().map(c -> c.digest).toList();
    List<String> b = ChunkSplitter.split(CHAT, shuffled, 250, Long.MAX_VALUE).stream().map(c -> c.digest).toList();
    assertEquals(a, b);
    assertEquals(a.size(), new HashSet<>(a).size());
    // A changed body is a different chunk (never re-attached to another input's batch).
    rows.set(0, Requests.chat("row-0", "gpt-4o-mini", "changed", 5));
    List<String> c = ChunkSplitter.split(CHAT, rows, 250, Long.MAX_VALUE).stream().map(ch -> ch.digest).toList();
    assertNotEquals(a, c);
  }

  @Test
  void customIdsMapBackToPositions() {
    BatchChunk c = ChunkSplitter.split(CHAT, Requests.chats(10, 5), 50_000, Long.MAX_VALUE).get(0);
    for (int i = 0; i < 10; i++) {
      assertEquals(i, c.indexOf(BatchChunk.customId(i)));
    }
    assertEquals(-1, c.indexOf("r10"));
    assertEquals(-1, c.indexOf("row-1"));
  }

  @Test
  void groupsGrowWithRowsAndBytes() {
    assertEquals(1, BatchSteps.groups(0, 0, 50_000, 200L << 20));
    assertEquals(1, BatchSteps.groups(10_000, 5_000_000, 50_000, 200L << 20));
    assertEquals(4, BatchSteps.groups(100_000, 5_000_000, 50_000, 200L << 20));
    assertEquals(10, BatchSteps.groups(1_000, 1_000L << 20, 50_000, 200L << 20));
  }
}
