package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.NullNode;
import java.util.Optional;

/**
 * The node refused a call with a JSON-RPC error. There is one subclass per kind of {@code
 * vectors/errors.json} (catch {@link InsufficientFundsException}, not a code); each keeps the
 * method, the code, the node's message and its {@code data}.
 */
public class NodeRpcException extends TosException {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final String nodeMessage;
  private final transient JsonNode data;

  protected NodeRpcException(String method, int code, String message, JsonNode data) {
    super(method, message + " (" + code + describe(data) + ")", null);
    this.code = code;
    this.nodeMessage = message;
    this.data = data == null ? NullNode.getInstance() : data.deepCopy();
  }

  /**
   * The exception for a node's error reply, of the type of its kind ({@code -32004} with {@code
   * data.rule} {@code nonce} is a {@link NonceMismatchException}, and so on).
   */
  public static NodeRpcException of(String method, int code, String message, JsonNode data) {
    String rule = data == null ? null : data.path("rule").textValue();
    return switch (code) {
      case -32700 -> new ParseErrorException(method, code, message, data);
      case -32600 -> new InvalidRequestException(method, code, message, data);
      case -32601 -> new MethodNotFoundException(method, code, message, data);
      case -32602 -> new InvalidParamsException(method, code, message, data);
      case -32603 -> new InternalErrorException(method, code, message, data);
      case -32001 -> new UnknownEntityException(method, code, message, data);
      case -32002 -> new InsufficientFundsException(method, code, message, data);
      case -32003 -> new NotAcceptingException(method, code, message, data);
      case -32004 -> {
        if ("nonce".equals(rule)) {
          yield new NonceMismatchException(method, code, message, data);
        } else if ("chain_id".equals(rule)) {
          yield new WrongChainException(method, code, message, data);
        }
        yield new PermissionDeniedException(method, code, message, data);
      }
      case -32005 -> new InvalidContentException(method, code, message, data);
      case -32006 -> new AlreadyDoneException(method, code, message, data);
      case -32007 -> new RateLimitedException(method, code, message, data);
      default -> new NodeRpcException(method, code, message, data);
    };
  }

  /** The JSON-RPC error code. */
  public int code() {
    return code;
  }

  /** The node's sentence for a person, as it sent it. */
  public String nodeMessage() {
    return nodeMessage;
  }

  /** The error's {@code data} (a null node when the node sent none). */
  public JsonNode data() {
    return data;
  }

  /** The rule the node named in {@code data.rule}, if any. */
  public Optional<String> rule() {
    return Optional.ofNullable(data.path("rule").textValue());
  }

  /** The field the node named in {@code data.field}, if any. */
  public Optional<String> field() {
    return Optional.ofNullable(data.path("field").textValue());
  }

  /**
   * The kind of {@code vectors/errors.json} ({@code insufficient_funds}, ...), or {@code
   * node_error}.
   */
  public String kind() {
    return "node_error";
  }

  private static String describe(JsonNode data) {
    if (data == null || data.isNull() || data.isEmpty()) {
      return "";
    }
    return ", data " + data;
  }
}
