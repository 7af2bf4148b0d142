package network.tos.ai.model;

import java.math.BigInteger;

/** What {@code dev_faucet} answers: the new balance. */
public record FaucetReceipt(String address, BigInteger balance) {}
