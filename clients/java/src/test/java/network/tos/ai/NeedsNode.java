package network.tos.ai;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;

/**
 * A test class that needs the devnode the conformance harness starts: skipped, saying how to run
 * it, outside the harness; run (and failing if the node does not answer) under it.
 */
@Target(ElementType.TYPE)
@Retention(RetentionPolicy.RUNTIME)
@ExtendWith(NeedsNode.Condition.class)
public @interface NeedsNode {
  /** Skips the class when no node is configured and TOS_CONFORMANCE is not 1. */
  final class Condition implements ExecutionCondition {
    private static boolean told;

    @Override
    public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
      if (Conformance.required() || System.getenv("TOS_NODE_URL") != null) {
        return ConditionEvaluationResult.enabled("a node is configured");
      }
      String reason =
          "needs a devnode: run `make test-clients` (clients/conformance/harness.py sets"
              + " TOS_NODE_URL and TOS_CONFORMANCE=1)";
      synchronized (Condition.class) {
        if (!told) {
          System.err.println("[tos-ai] skipped: the node tests " + reason.replace("needs", "need"));
          told = true;
        }
      }
      return ConditionEvaluationResult.disabled(reason);
    }
  }
}
