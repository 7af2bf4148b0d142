package network.tos.ai.model;

import java.math.BigInteger;

/** An address's balance ({@code get_balance}). */
public record Balance(String address, BigInteger balance, long topoheight) {}
