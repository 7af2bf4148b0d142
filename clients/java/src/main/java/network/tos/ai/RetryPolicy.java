package network.tos.ai;

import java.time.Duration;
import java.util.concurrent.ThreadLocalRandom;

/**
 * How read-only calls are retried when the node is unreachable, times out, or answers a transient
 * failure (HTTP 5xx or 429, -32603): up to {@code maxAttempts} tries in all, waiting between them
 * an exponential backoff with jitter. Writes are never retried.
 *
 * @param maxAttempts tries in all, at least 1 (1 means no retry)
 * @param initialBackoff the wait before the second try, before jitter
 * @param maxBackoff the longest wait between two tries
 */
public record RetryPolicy(int maxAttempts, Duration initialBackoff, Duration maxBackoff) {
  public RetryPolicy {
    if (maxAttempts < 1) {
      throw new IllegalArgumentException("maxAttempts must be at least 1");
    }
    if (initialBackoff.isNegative() || maxBackoff.compareTo(initialBackoff) < 0) {
      throw new IllegalArgumentException("backoffs must be 0 <= initial <= max");
    }
  }

  /** 4 tries, 100 ms doubling up to 2 s. */
  public static RetryPolicy defaults() {
    return new RetryPolicy(4, Duration.ofMillis(100), Duration.ofSeconds(2));
  }

  /** One try only. */
  public static RetryPolicy none() {
    return new RetryPolicy(1, Duration.ZERO, Duration.ZERO);
  }

  /**
   * The wait after failed try number {@code attempt} (1-based): half the exponential backoff plus a
   * random part of the other half, so that clients that failed together do not retry together.
   */
  public Duration backoff(int attempt) {
    long base = initialBackoff.toMillis() << Math.min(attempt - 1, 20);
    long capped = Math.min(base, maxBackoff.toMillis());
    long half = capped / 2;
    return Duration.ofMillis(half + ThreadLocalRandom.current().nextLong(capped - half + 1));
  }
}
