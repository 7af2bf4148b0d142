package network.tos.ai.mining;

import network.tos.ai.model.TaskDetails;
import network.tos.ai.model.TaskSolution;

/**
 * What answers a task for the auto-miner: plug in an AI model, a script, a person. It runs on the
 * auto-miner's thread; an exception skips the submission and is recorded in the report.
 */
@FunctionalInterface
public interface Solver {
  TaskSolution solve(TaskDetails task) throws Exception;
}
