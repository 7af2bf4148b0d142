package network.tos.ai.model;

/** What {@code ai_validate_submission} answers. */
public record ValidationReceipt(String validationId, ConsensusProgress consensusProgress) {}
