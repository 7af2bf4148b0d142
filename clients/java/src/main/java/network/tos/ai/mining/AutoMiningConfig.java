package network.tos.ai.mining;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.EnumSet;
import java.util.Objects;
import java.util.Set;
import network.tos.ai.model.Difficulty;

/**
 * How the auto-miner chooses, joins and answers tasks: the TOS design's fields.
 *
 * @param targetDifficulties the difficulty levels to take
 * @param maxConcurrentTasks how many joined, unfinished tasks at once
 * @param minSuccessProbability 0..1, compared with {@link AutoMiner#estimateSuccessProbability}
 * @param minTimeLeft a task closer to its deadline than this is skipped
 * @param checkInterval time between scans (default 60 s); a {@code task_published} event wakes the
 *     loop at once
 * @param autoSubmitSolutions submit the solver's answer right after joining
 * @param useEvents wake on {@code task_published} events (default true)
 * @param errorPause the wait after a failed scan (default 30 s)
 * @param stakeFraction stake = reward × fraction, within the node's range (default 0.1)
 */
public record AutoMiningConfig(
    Set<Difficulty> targetDifficulties,
    int maxConcurrentTasks,
    double minSuccessProbability,
    Duration minTimeLeft,
    Duration checkInterval,
    boolean autoSubmitSolutions,
    boolean useEvents,
    Duration errorPause,
    double stakeFraction) {
  public AutoMiningConfig {
    if (targetDifficulties == null || targetDifficulties.isEmpty()) {
      throw new IllegalArgumentException("name at least one target difficulty");
    }
    targetDifficulties = Set.copyOf(targetDifficulties);
    if (maxConcurrentTasks < 1) {
      throw new IllegalArgumentException("maxConcurrentTasks must be at least 1");
    }
    if (!(minSuccessProbability >= 0.0 && minSuccessProbability <= 1.0)) {
      throw new IllegalArgumentException("minSuccessProbability must be between 0 and 1");
    }
    Objects.requireNonNull(minTimeLeft, "minTimeLeft");
    if (checkInterval == null || checkInterval.isZero() || checkInterval.isNegative()) {
      throw new IllegalArgumentException("checkInterval must be positive");
    }
    if (errorPause == null || errorPause.isNegative()) {
      throw new IllegalArgumentException("errorPause must not be negative");
    }
    if (!(stakeFraction > 0.0 && stakeFraction <= 0.5)) {
      throw new IllegalArgumentException("stakeFraction must be in (0, 0.5]");
    }
  }

  /** The design's defaults for these levels: 1 task, any chance, 10 min left, 60 s, auto-submit. */
  public static Builder builder(Difficulty first, Difficulty... more) {
    return new Builder(EnumSet.of(first, more));
  }

  /**
   * Reads the design's JSON form ({@code target_difficulties}, {@code max_concurrent_tasks}, {@code
   * min_success_probability}, {@code min_time_left} and {@code check_interval} in seconds, {@code
   * auto_submit_solutions}, {@code use_events}, {@code error_pause}), the defaults for what is left
   * out.
   */
  public static AutoMiningConfig fromJson(JsonNode json) {
    EnumSet<Difficulty> levels = EnumSet.noneOf(Difficulty.class);
    JsonNode targets =
        json.has("target_difficulties")
            ? json.get("target_difficulties")
            : json.path("target_difficulty");
    if (targets.isTextual()) {
      levels.add(Difficulty.fromWire(targets.asText()));
    }
    targets.forEach(level -> levels.add(Difficulty.fromWire(level.asText())));
    Builder builder = new Builder(levels);
    if (json.has("max_concurrent_tasks")) {
      builder.maxConcurrentTasks(json.get("max_concurrent_tasks").asInt());
    }
    if (json.has("min_success_probability")) {
      builder.minSuccessProbability(json.get("min_success_probability").asDouble());
    }
    if (json.has("min_time_left")) {
      builder.minTimeLeft(seconds(json.get("min_time_left")));
    }
    if (json.has("check_interval")) {
      builder.checkInterval(seconds(json.get("check_interval")));
    }
    if (json.has("auto_submit_solutions")) {
      builder.autoSubmitSolutions(json.get("auto_submit_solutions").asBoolean());
    }
    if (json.has("use_events")) {
      builder.useEvents(json.get("use_events").asBoolean());
    }
    if (json.has("error_pause")) {
      builder.errorPause(seconds(json.get("error_pause")));
    }
    return builder.build();
  }

  private static Duration seconds(JsonNode value) {
    return Duration.ofMillis(Math.round(value.asDouble() * 1000));
  }

  /** Builds an {@link AutoMiningConfig}. */
  public static final class Builder {
    private final Set<Difficulty> targetDifficulties;
    private int maxConcurrentTasks = 1;
    private double minSuccessProbability = 0.0;
    private Duration minTimeLeft = Duration.ofMinutes(10);
    private Duration checkInterval = Duration.ofSeconds(60);
    private boolean autoSubmitSolutions = true;
    private boolean useEvents = true;
    private Duration errorPause = Duration.ofSeconds(30);
    private double stakeFraction = 0.1;

    private Builder(Set<Difficulty> targetDifficulties) {
      this.targetDifficulties = targetDifficulties;
    }

    public Builder maxConcurrentTasks(int tasks) {
      this.maxConcurrentTasks = tasks;
      return this;
    }

    public Builder minSuccessProbability(double probability) {
      this.minSuccessProbability = probability;
      return this;
    }

    public Builder minTimeLeft(Duration left) {
      this.minTimeLeft = left;
      return this;
    }

    public Builder checkInterval(Duration interval) {
      this.checkInterval = interval;
      return this;
    }

    public Builder autoSubmitSolutions(boolean submit) {
      this.autoSubmitSolutions = submit;
      return this;
    }

    public Builder useEvents(boolean useEvents) {
      this.useEvents = useEvents;
      return this;
    }

    public Builder errorPause(Duration pause) {
      this.errorPause = pause;
      return this;
    }

    public Builder stakeFraction(double fraction) {
      this.stakeFraction = fraction;
      return this;
    }

    public AutoMiningConfig build() {
      return new AutoMiningConfig(
          targetDifficulties,
          maxConcurrentTasks,
          minSuccessProbability,
          minTimeLeft,
          checkInterval,
          autoSubmitSolutions,
          useEvents,
          errorPause,
          stakeFraction);
    }
  }
}
