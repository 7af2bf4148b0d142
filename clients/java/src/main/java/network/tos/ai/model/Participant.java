package network.tos.ai.model;

import java.math.BigInteger;
import java.util.Optional;

/**
 * A miner who joined a task; {@code stakeOutcome} is {@code returned} or {@code slashed} once
 * settled.
 */
public record Participant(
    String participationId,
    String miner,
    BigInteger stakeAmount,
    long joinedAt,
    Optional<String> submissionId,
    Optional<String> stakeOutcome) {}
