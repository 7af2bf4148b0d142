package network.tos.ai.model;

import java.math.BigInteger;

/**
 * One credit paid for a task ({@code winner, participant, validator, network, refund,
 * stake_return}).
 */
public record Reward(String recipient, BigInteger amount, String rewardType) {}
