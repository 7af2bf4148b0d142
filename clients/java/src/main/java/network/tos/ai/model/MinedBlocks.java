package network.tos.ai.model;

/** What {@code dev_mine} answers. */
public record MinedBlocks(long topoheight, long timestamp) {}
