package dev.openaibeam.call;

import static org.junit.jupiter.api.Assertions.assertFalse;

import dev.openaibeam.api.ApiFailure;
import dev.openaibeam.api.ApiResponse;
import dev.openaibeam.connection.OpenAiConnection;
import dev.openaibeam.pool.KeyPool;
import dev.openaibeam.pool.PoolMember;
import dev.openaibeam.testing.TestKeys;
import org.apache.beam.sdk.transforms.display.DisplayData;
import org.apache.beam.sdk.values.TupleTag;
import org.junit.jupiter.api.Test;

/** The key never enters what Beam serializes or displays. */
class SecretsTest {
  private static final String KEY = "sk-secret-never-serialized-31415";

  private static String serialized(Object o) {
    return dev.openaibeam.testing.Serialized.text(o);
  }

  @Test
  void transformAndDoFnDoNotCarryTheKey() throws Exception {
    OpenAiCall call =
        OpenAiCall.of(OpenAiConnection.to("http://127.0.0.1:1/v1").withApiKey(TestKeys.file(KEY)));
    assertFalse(serialized(call).contains(KEY));
    assertFalse(DisplayData.from(call).toString().contains(KEY));

    OpenAiCallFn fn =
        new OpenAiCallFn(call.configuration(), new TupleTag<ApiResponse>(), new TupleTag<ApiFailure>());
    fn.setup(); // reads the key, as on a worker
    try {
      assertFalse(serialized(fn).contains(KEY), "a set-up DoFn serialized the key");
      assertFalse(DisplayData.from(fn).toString().contains(KEY));
    } finally {
      fn.teardown();
    }
  }

  @Test
  void givenAPool_noMembersKeyIsSerializedOrDisplayed() throws Exception {
    String other = "sk-second-member-secret-27182";
    KeyPool pool = KeyPool.of(
        PoolMember.of("a", OpenAiConnection.to("http://127.0.0.1:1/v1").withApiKey(TestKeys.file(KEY))),
        PoolMember.of("b", OpenAiConnection.to("http://127.0.0.1:2/v1").withApiKey(TestKeys.file(other)))
            .withLimits(100, 1000));
    OpenAiCall call = OpenAiCall.of(pool);
    OpenAiCallFn fn =
        new OpenAiCallFn(call.configuration(), new TupleTag<ApiResponse>(), new TupleTag<ApiFailure>());
    fn.setup(); // reads both keys, as on a worker
    try {
      for (String key : new String[] {KEY, other}) {
        assertFalse(serialized(call).contains(key), "the transform serialized a member's key");
        assertFalse(serialized(fn).contains(key), "a set-up DoFn serialized a member's key");
        assertFalse(DisplayData.from(call).toString().contains(key));
        assertFalse(DisplayData.from(fn).toString().contains(key));
        assertFalse(pool.toString().contains(key));
      }
    } finally {
      fn.teardown();
    }
  }
}
