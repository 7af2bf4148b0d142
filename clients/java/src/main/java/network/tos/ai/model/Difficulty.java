package network.tos.ai.model;

import java.math.BigInteger;

/** A task's difficulty level, with the reward range (atomic, inclusive) the node accepts for it. */
public enum Difficulty {
  BEGINNER("Beginner", 5_000_000_000L, 15_000_000_000L),
  INTERMEDIATE("Intermediate", 15_000_000_000L, 50_000_000_000L),
  ADVANCED("Advanced", 50_000_000_000L, 200_000_000_000L),
  EXPERT("Expert", 200_000_000_000L, 500_000_000_000L);

  private final String wireName;
  private final BigInteger minReward;
  private final BigInteger maxReward;

  Difficulty(String wireName, long minReward, long maxReward) {
    this.wireName = wireName;
    this.minReward = BigInteger.valueOf(minReward);
    this.maxReward = BigInteger.valueOf(maxReward);
  }

  /** The name the node uses ({@code "Beginner"}). */
  public String wireName() {
    return wireName;
  }

  public BigInteger minReward() {
    return minReward;
  }

  public BigInteger maxReward() {
    return maxReward;
  }

  /** The level of a node name; {@link IllegalArgumentException} for anything else. */
  public static Difficulty fromWire(String name) {
    for (Difficulty level : values()) {
      if (level.wireName.equals(name)) {
        return level;
      }
    }
    throw new IllegalArgumentException("not a difficulty level: " + name);
  }
}
