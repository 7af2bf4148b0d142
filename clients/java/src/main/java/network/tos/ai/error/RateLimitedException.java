package network.tos.ai.error;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Optional;

/** -32007: too many actions of this kind; try again after {@link #retryAfter()}. */
public final class RateLimitedException extends NodeRpcException {
  private static final long serialVersionUID = 1L;

  RateLimitedException(String method, int code, String message, JsonNode data) {
    super(method, code, message, data);
  }

  /** How long until the node takes this action again ({@code data.retry_after}). */
  public Optional<Duration> retryAfter() {
    JsonNode seconds = data().path("retry_after");
    return seconds.isNumber()
        ? Optional.of(Duration.ofMillis((long) Math.ceil(seconds.doubleValue() * 1000)))
        : Optional.empty();
  }

  @Override
  public String kind() {
    return "rate_limited";
  }
}
