package network.tos.ai.model;

import java.util.Map;
import java.util.OptionalLong;

/**
 * A page of every task the node holds (at most 100, oldest first; {@code nextOffset} is the next
 * page's offset, empty after the last), every miner, and the statistics ({@code
 * get_ai_mining_state}).
 */
public record MiningState(
    Map<String, TaskDetails> tasks,
    OptionalLong nextOffset,
    Map<String, DaemonMiner> miners,
    MiningStatistics statistics) {
  public MiningState {
    tasks = Map.copyOf(tasks);
    miners = Map.copyOf(miners);
  }
}
