package network.tos.ai.model;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Optional;

/** One validator's score of a submission (a Reject scores 0). */
public record Validation(
    String validationId,
    String validator,
    int qualityScore,
    String verdict,
    Optional<String> reasoning,
    JsonNode evidence,
    long timestamp) {}
