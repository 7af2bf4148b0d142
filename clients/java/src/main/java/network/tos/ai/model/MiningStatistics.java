package network.tos.ai.model;

import java.math.BigInteger;

/** The daemon-compatible statistics ({@code get_ai_mining_statistics}). */
public record MiningStatistics(
    long totalTasks,
    long activeTasks,
    long completedTasks,
    long totalMiners,
    BigInteger totalRewardsDistributed,
    BigInteger totalStaked) {}
