package network.tos.ai.model;

import java.math.BigInteger;

/** What {@code ai_participate_task} answers; the stake is locked. */
public record Participation(String participationId, String taskId, BigInteger stakeAmount) {}
