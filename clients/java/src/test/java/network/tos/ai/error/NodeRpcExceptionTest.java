package network.tos.ai.error;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import network.tos.ai.Conformance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class NodeRpcExceptionTest {
  /** The client's type for each kind of vectors/errors.json (docs/clients.md lists the same). */
  static final Map<String, Class<? extends NodeRpcException>> TYPES =
      Map.ofEntries(
          Map.entry("parse_error", ParseErrorException.class),
          Map.entry("invalid_request", InvalidRequestException.class),
          Map.entry("method_not_found", MethodNotFoundException.class),
          Map.entry("invalid_params", InvalidParamsException.class),
          Map.entry("internal_error", InternalErrorException.class),
          Map.entry("unknown_entity", UnknownEntityException.class),
          Map.entry("insufficient_funds", InsufficientFundsException.class),
          Map.entry("not_accepting", NotAcceptingException.class),
          Map.entry("permission_denied", PermissionDeniedException.class),
          Map.entry("nonce_mismatch", NonceMismatchException.class),
          Map.entry("wrong_chain", WrongChainException.class),
          Map.entry("invalid_content", InvalidContentException.class),
          Map.entry("already_done", AlreadyDoneException.class),
          Map.entry("rate_limited", RateLimitedException.class));

  @TestFactory
  Stream<DynamicTest> every_error_code_becomes_the_type_of_its_kind() {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : Conformance.vectors("errors").get("errors")) {
      String kind = c.get("kind").asText();
      tests.add(
          DynamicTest.dynamicTest(
              kind,
              () -> {
                ObjectNode data = JsonNodeFactory.instance.objectNode();
                if (!c.get("rule").isNull()) {
                  data.put("rule", c.get("rule").asText());
                }
                NodeRpcException error =
                    NodeRpcException.of(
                        "ai_publish_task", c.get("code").asInt(), c.get("meaning").asText(), data);
                assertInstanceOf(TYPES.get(kind), error);
                assertEquals(TYPES.get(kind), error.getClass());
                assertEquals(kind, error.kind());
                assertEquals(c.get("code").asInt(), error.code());
                assertEquals("ai_publish_task", error.method().orElseThrow());
                assertEquals(c.get("meaning").asText(), error.nodeMessage());
                assertTrue(
                    error.getMessage().startsWith("ai_publish_task: " + c.get("meaning").asText()));
              }));
    }
    return tests.stream();
  }

  @Test
  void nonce_mismatch_and_wrong_chain_are_permission_denied_with_what_the_node_expected() {
    ObjectNode nonce =
        JsonNodeFactory.instance.objectNode().put("rule", "nonce").put("expected", 7);
    NodeRpcException error = NodeRpcException.of("ai_cancel_task", -32004, "no", nonce);
    assertInstanceOf(PermissionDeniedException.class, error);
    assertEquals(7, ((NonceMismatchException) error).expectedNonce().orElseThrow());
    ObjectNode chain =
        JsonNodeFactory.instance.objectNode().put("rule", "chain_id").put("expected", "abcd");
    error = NodeRpcException.of("ai_cancel_task", -32004, "no", chain);
    assertInstanceOf(PermissionDeniedException.class, error);
    assertEquals("abcd", ((WrongChainException) error).expectedChainId().orElseThrow());
  }

  @Test
  void an_unknown_code_is_a_generic_node_error_keeping_code_message_and_data() {
    ObjectNode data = JsonNodeFactory.instance.objectNode().put("x", 1);
    NodeRpcException error = NodeRpcException.of(null, -32099, "odd", data);
    assertEquals(NodeRpcException.class, error.getClass());
    assertEquals(-32099, error.code());
    assertEquals("node_error", error.kind());
    assertEquals(1, error.data().get("x").asInt());
  }

  @Test
  void rate_limited_says_when_to_retry() {
    ObjectNode data = JsonNodeFactory.instance.objectNode().put("retry_after", 3600);
    RateLimitedException error =
        (RateLimitedException) NodeRpcException.of("m", -32007, "slow", data);
    assertEquals(Duration.ofHours(1), error.retryAfter().orElseThrow());
  }
}
