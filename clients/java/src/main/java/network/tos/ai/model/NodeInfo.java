package network.tos.ai.model;

/**
 * Height, version, network and node time ({@code get_info}); {@code chainId} is what requests are
 * signed for.
 */
public record NodeInfo(
    long height,
    long topoheight,
    String version,
    String network,
    long timestamp,
    long timeOffset,
    double blockTime,
    long headSeq,
    String chainId,
    boolean requireSignatures) {}
