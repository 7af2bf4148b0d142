package network.tos.ai.events;

/**
 * The node's chain is not the one the stream's cursor came from (a devnet started afresh): seqs
 * after {@code lastSeq} of the old chain mean nothing on the new one.
 *
 * @param oldChainId the chain the stream had followed
 * @param newChainId the chain the node now has
 * @param lastSeq the last seq the stream delivered on the old chain
 */
public record ChainReset(String oldChainId, String newChainId, long lastSeq) {}
