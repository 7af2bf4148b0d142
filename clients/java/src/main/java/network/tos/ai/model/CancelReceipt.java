package network.tos.ai.model;

import java.math.BigInteger;

/** What {@code ai_cancel_task} answers: the escrow refunded. */
public record CancelReceipt(String taskId, String status, BigInteger refunded) {}
