package network.tos.ai.model;

/** What {@code ai_publish_task} answers: the new task's id, {@code published}, its deadline. */
public record PublishReceipt(String taskId, String status, long deadline) {}
