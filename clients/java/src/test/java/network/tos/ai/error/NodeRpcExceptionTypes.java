package network.tos.ai.error;

/** The client's exception type for each kind of vectors/errors.json (for tests). */
public final class NodeRpcExceptionTypes {
  private NodeRpcExceptionTypes() {}

  public static Class<? extends NodeRpcException> of(String kind) {
    Class<? extends NodeRpcException> type = NodeRpcExceptionTest.TYPES.get(kind);
    if (type == null) {
      throw new AssertionError("no exception type for kind " + kind);
    }
    return type;
  }
}
