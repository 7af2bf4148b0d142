package network.tos.ai.model;

import java.math.BigInteger;
import java.util.List;
import java.util.OptionalLong;

/**
 * A miner's reputation and counters ({@code ai_get_miner_stats}); an unknown address is a blank
 * record.
 */
public record MinerStats(
    String minerAddress,
    boolean isRegistered,
    int reputation,
    long tasksPublished,
    long tasksParticipated,
    long submissions,
    long wins,
    long validations,
    BigInteger totalEarnings,
    BigInteger currentStake,
    BigInteger balance,
    OptionalLong registeredAt,
    List<String> specializations) {
  public MinerStats {
    specializations = List.copyOf(specializations);
  }
}
