package network.tos.ai.model;

import java.math.BigInteger;

/** The AI-mining network summary ({@code get_network_info}). */
public record NetworkInfo(
    long activeTasks,
    long totalMiners,
    long onlineMiners,
    BigInteger totalRewardsDistributed,
    long averageTaskCompletionTime,
    String network,
    long topoheight,
    long timestamp) {}
