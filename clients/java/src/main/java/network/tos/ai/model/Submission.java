package network.tos.ai.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Optional;
import java.util.OptionalInt;

/**
 * A participant's solution with its validations; {@code finalScore} and {@code passed} once scored.
 */
public record Submission(
    String submissionId,
    String submitter,
    String answerHash,
    long submittedAt,
    JsonNode solutionData,
    List<Validation> validations,
    int validationsCount,
    int requiredReviewers,
    OptionalInt finalScore,
    Optional<Boolean> passed) {
  public Submission {
    validations = List.copyOf(validations);
  }
}
