package network.tos.ai.model;

/**
 * What {@code ai_submit_solution} answers: {@code answerHash} is blake3 of the solution's canonical
 * JSON.
 */
public record SubmissionReceipt(String submissionId, String answerHash, String status) {}
