package network.tos.ai.model;

import java.math.BigInteger;
import java.util.List;

/** The daemon-compatible miner record ({@code get_ai_mining_miner}). */
public record DaemonMiner(
    String address,
    int reputation,
    BigInteger registrationFee,
    long registeredAt,
    List<String> specializations,
    long tasksCompleted,
    long tasksParticipated,
    long validations,
    BigInteger totalEarnings,
    BigInteger currentStake) {
  public DaemonMiner {
    specializations = List.copyOf(specializations);
  }
}
