package network.tos.ai.model;

/** How many validations a submission has of those it needs. */
public record ConsensusProgress(int validations, int required) {}
