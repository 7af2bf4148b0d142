package network.tos.ai.model;

/** The nonce the next signed request from an address must carry ({@code get_nonce}). */
public record AccountNonce(String address, long nonce, long topoheight) {}
