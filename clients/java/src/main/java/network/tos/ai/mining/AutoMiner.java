package network.tos.ai.mining;

import java.math.BigDecimal;
import java.math.BigInteger;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.logging.Level;
import java.util.logging.Logger;
import network.tos.ai.TosAccount;
import network.tos.ai.TosClient;
import network.tos.ai.error.AlreadyDoneException;
import network.tos.ai.error.InsufficientFundsException;
import network.tos.ai.error.MethodNotFoundException;
import network.tos.ai.error.NodeRpcException;
import network.tos.ai.error.NotAcceptingException;
import network.tos.ai.error.UnknownEntityException;
import network.tos.ai.events.EventListener;
import network.tos.ai.events.EventStream;
import network.tos.ai.model.Difficulty;
import network.tos.ai.model.Event;
import network.tos.ai.model.MinerStats;
import network.tos.ai.model.Rules;
import network.tos.ai.model.TaskDetails;
import network.tos.ai.model.TaskQuery;
import network.tos.ai.model.TaskSolution;
import network.tos.ai.model.TaskSummary;

/**
 * The TOS design's auto-mining loop for one account: every {@code checkInterval} (60 s by default),
 * and at once when the node announces a {@code task_published} of a target difficulty, it scans the
 * active tasks, joins the best suitable ones up to {@code maxConcurrentTasks} and, with {@code
 * autoSubmitSolutions}, submits the {@link Solver}'s answer to each. After a failed scan it waits
 * {@code errorPause} (30 s by default).
 *
 * <pre>{@code
 * try (AutoMiner miner = AutoMiner.start(client, client.account(wallet), config, solver)) {
 *   miner.awaitScans(1, Duration.ofSeconds(10));
 * }
 * }</pre>
 */
public final class AutoMiner implements AutoCloseable {
  private static final Logger LOG = Logger.getLogger(AutoMiner.class.getName());
  private static final int DEFAULT_REPUTATION = 500;

  private final TosClient client;
  private final TosAccount account;
  private final AutoMiningConfig config;
  private final Solver solver;
  private final Object lock = new Object();
  private final Set<String> active = new HashSet<>();
  private final List<String> joined = new ArrayList<>();
  private final Map<String, String> submitted = new LinkedHashMap<>();
  private final List<String> errors = new ArrayList<>();
  private final Thread thread;
  private EventStream events;
  private int scans;
  private Instant lastScanAt;
  private boolean wake;
  private volatile boolean stopping;
  private Rules rules; // the node's, read at the first scan; null from a node that publishes none
  private boolean rulesRead;

  private AutoMiner(TosClient client, TosAccount account, AutoMiningConfig config, Solver solver) {
    this.client = Objects.requireNonNull(client, "client");
    this.account = Objects.requireNonNull(account, "account");
    this.config = Objects.requireNonNull(config, "config");
    this.solver = Objects.requireNonNull(solver, "solver");
    this.thread = new Thread(this::run, "tos-ai-auto-miner-" + account.address().substring(0, 12));
    this.thread.setDaemon(true);
  }

  /** Starts the loop on its own thread. */
  public static AutoMiner start(
      TosClient client, TosAccount account, AutoMiningConfig config, Solver solver) {
    AutoMiner miner = new AutoMiner(client, account, config, solver);
    if (config.useEvents()) {
      miner.events =
          client.events().only("task_published").listen((EventListener) miner::onTaskPublished);
    }
    miner.thread.start();
    return miner;
  }

  /**
   * A rough chance of winning {@code task}, 0..1 (the Python client's estimate): easier levels,
   * higher reputation and fewer rivals score higher. p = base × (0.5 + reputation / 2000) / (1 +
   * participants / 4), with base 0.9, 0.75, 0.55, 0.35 for Beginner to Expert.
   */
  public static double estimateSuccessProbability(TaskSummary task, int reputation) {
    double base =
        switch (task.difficultyLevel()) {
          case BEGINNER -> 0.9;
          case INTERMEDIATE -> 0.75;
          case ADVANCED -> 0.55;
          case EXPERT -> 0.35;
        };
    double skill = 0.5 + Math.max(0, Math.min(reputation, 1000)) / 2000.0;
    double rivals = 1 + task.participantsCount() / 4.0;
    return Math.max(0.0, Math.min(1.0, base * skill / rivals));
  }

  /** The stake to offer: reward × stakeFraction, within the client's stake range for the task. */
  public static BigInteger stakeFor(TaskSummary task, AutoMiningConfig config) {
    return stakeFor(task, config, null);
  }

  /**
   * The stake to offer: reward × stakeFraction, within the stake range the node's {@code rules}
   * give the task (the client's own range when {@code rules} is null).
   */
  public static BigInteger stakeFor(TaskSummary task, AutoMiningConfig config, Rules rules) {
    BigInteger wanted =
        new BigDecimal(task.rewardAmount())
            .multiply(BigDecimal.valueOf(config.stakeFraction()))
            .toBigInteger();
    Rules.StakeRange range =
        rules == null
            ? new Rules.StakeRange(task.minStake(), task.maxStake())
            : rules.stakeRange(task.rewardAmount(), task.stakeRequired());
    return wanted.max(range.min()).min(range.max());
  }

  /** What the loop did so far. */
  public AutoMiningReport report() {
    synchronized (lock) {
      return new AutoMiningReport(
          scans, joined, submitted, errors, Optional.ofNullable(lastScanAt));
    }
  }

  /** Waits until {@code count} scans have finished; false on timeout. */
  public boolean awaitScans(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (lock) {
      while (scans < count) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return false;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      return true;
    }
  }

  /** True while the loop runs. */
  public boolean isRunning() {
    return thread.isAlive();
  }

  /** Stops the loop and waits (at most 10 s) for it to end; it joins nothing after. */
  public void stop() {
    stopping = true;
    if (events != null) {
      events.close();
    }
    synchronized (lock) {
      lock.notifyAll();
    }
    thread.interrupt();
    try {
      thread.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    stop();
  }

  // ---------------------------------------------------------------------------------------------

  private void onTaskPublished(Event event) {
    String level = event.data().path("difficulty_level").asText("");
    boolean wanted = config.targetDifficulties().stream().anyMatch(d -> d.wireName().equals(level));
    if (wanted && !event.data().path("publisher").asText("").equals(account.address())) {
      synchronized (lock) {
        wake = true;
        lock.notifyAll();
      }
    }
  }

  private void run() {
    // Scan once the event stream listens, so that no task published after the first scan is missed.
    long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
    while (events != null && !events.isConnected() && !stopping && System.nanoTime() < deadline) {
      try {
        Thread.sleep(20);
      } catch (InterruptedException e) {
        return;
      }
    }
    while (!stopping) {
      Duration pause = config.checkInterval();
      try {
        scan();
      } catch (RuntimeException e) {
        if (stopping) {
          break;
        }
        LOG.log(Level.WARNING, "auto-mining scan failed, pausing " + config.errorPause(), e);
        synchronized (lock) {
          errors.add("scan: " + e.getMessage());
        }
        pause = config.errorPause();
      }
      try {
        waitFor(pause);
      } catch (InterruptedException e) {
        break;
      }
    }
  }

  private void waitFor(Duration pause) throws InterruptedException {
    long deadline = System.nanoTime() + pause.toNanos();
    synchronized (lock) {
      while (!wake && !stopping) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          return;
        }
        TimeUnit.NANOSECONDS.timedWait(lock, left);
      }
      wake = false;
    }
  }

  /** One pass: list the target difficulties' tasks, join the best ones, submit to each. */
  void scan() {
    synchronized (lock) {
      wake = false; // this scan sees whatever woke the loop
    }
    readRules();
    List<TaskSummary> tasks = new ArrayList<>();
    for (Difficulty level : config.targetDifficulties()) {
      tasks.addAll(
          client.listActiveTasks(TaskQuery.builder().difficulty(level).limit(1000).build()));
    }
    int reputation = rules == null ? DEFAULT_REPUTATION : rules.reputation().start();
    MinerStats stats = client.getMinerStats(account.address());
    if (stats.isRegistered()) {
      reputation = stats.reputation();
    }
    List<TaskSummary> chosen;
    int slots;
    synchronized (lock) {
      Set<String> stillActive = new HashSet<>();
      tasks.forEach(task -> stillActive.add(task.taskId()));
      active.retainAll(stillActive);
      slots = config.maxConcurrentTasks() - active.size();
      chosen = select(tasks, reputation);
    }
    for (TaskSummary task : chosen.subList(0, Math.max(0, Math.min(slots, chosen.size())))) {
      if (stopping) {
        break;
      }
      workOn(task);
    }
    synchronized (lock) {
      scans++;
      lastScanAt = Instant.now();
      lock.notifyAll();
    }
  }

  /**
   * The node's rules, once per run; a node without {@code ai_get_rules} leaves the client's own.
   */
  private void readRules() {
    if (rulesRead) {
      return;
    }
    try {
      rules = client.getRules();
    } catch (MethodNotFoundException e) {
      LOG.info("the node does not publish its rules; using the client's own");
    }
    rulesRead = true;
  }

  /** Open with a place free, and a level this reputation may join, by the node's rules. */
  private boolean mayJoin(TaskSummary task, int reputation) {
    if (rules == null) {
      return task.hasPlace();
    }
    return rules.isOpen(task.status())
        && task.participantsCount() < task.maxParticipants()
        && rules.minReputation("participate", task.difficultyLevel()).orElse(0) <= reputation;
  }

  private List<TaskSummary> select(List<TaskSummary> tasks, int reputation) {
    long minTimeLeft = config.minTimeLeft().toSeconds();
    return tasks.stream()
        .filter(task -> !active.contains(task.taskId()) && !joined.contains(task.taskId()))
        .filter(task -> !task.publisher().equals(account.address()))
        .filter(task -> mayJoin(task, reputation))
        .filter(task -> config.targetDifficulties().contains(task.difficultyLevel()))
        .filter(task -> task.timeLeft() >= minTimeLeft)
        .filter(
            task -> estimateSuccessProbability(task, reputation) >= config.minSuccessProbability())
        .sorted(
            Comparator.comparing(TaskSummary::rewardAmount)
                .reversed()
                .thenComparingLong(TaskSummary::deadline))
        .toList();
  }

  private void workOn(TaskSummary task) {
    try {
      account.participateTask(task.taskId(), stakeFor(task, config, rules));
    } catch (AlreadyDoneException e) {
      LOG.fine(() -> "already joined task " + task.taskId());
    } catch (NotAcceptingException | InsufficientFundsException | UnknownEntityException e) {
      record("join " + task.taskId() + ": " + e.getMessage());
      return;
    }
    synchronized (lock) {
      active.add(task.taskId());
      joined.add(task.taskId());
    }
    LOG.info(() -> "joined task " + task.taskId());
    if (!config.autoSubmitSolutions() || stopping) {
      return;
    }
    TaskDetails details = client.getTaskDetails(task.taskId());
    Optional<String> mine =
        details.submissions().stream()
            .filter(submission -> submission.submitter().equals(account.address()))
            .map(submission -> submission.submissionId())
            .findFirst();
    if (mine.isPresent()) { // answered before (another run, another process)
      synchronized (lock) {
        submitted.put(task.taskId(), mine.get());
      }
      return;
    }
    TaskSolution solution;
    try {
      solution = solver.solve(details);
    } catch (Exception e) {
      record("solve " + task.taskId() + ": " + e);
      return;
    }
    try {
      String submissionId = account.submitSolution(task.taskId(), solution).submissionId();
      synchronized (lock) {
        submitted.put(task.taskId(), submissionId);
      }
      LOG.info(() -> "submitted " + submissionId + " to task " + task.taskId());
    } catch (NodeRpcException e) {
      record("submit " + task.taskId() + ": " + e.getMessage());
    }
  }

  private void record(String error) {
    LOG.warning(error);
    synchronized (lock) {
      errors.add(error);
    }
  }
}
