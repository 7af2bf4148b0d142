package network.tos.ai.model;

/** What {@code ai_register_miner} answers. */
public record MinerRegistration(String minerAddress, int reputation) {}
