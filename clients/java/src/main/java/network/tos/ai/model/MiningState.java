package network.tos.ai.model;

import java.util.Map;

/** Every task and miner the node holds, and the statistics ({@code get_ai_mining_state}). */
public record MiningState(
    Map<String, TaskDetails> tasks, Map<String, DaemonMiner> miners, MiningStatistics statistics) {
  public MiningState {
    tasks = Map.copyOf(tasks);
    miners = Map.copyOf(miners);
  }
}
