package network.tos.ai.bench;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;
import network.tos.ai.TosClient;
import network.tos.ai.events.EventIterator;
import network.tos.ai.model.Event;
import network.tos.ai.model.TaskQuery;

/**
 * The Java client's driver for bench/clients_bench.py (bench/README.md): runs one phase through the
 * client's public API and prints one JSON line with what it measured.
 *
 * <pre>
 * TOS_NODE_URL=http://127.0.0.1:8545 TOS_BENCH_PHASE=get_balance TOS_BENCH_CONCURRENCY=16 \
 *   TOS_BENCH_ADDRESS=tst1... java -cp "target/classes:target/lib/*" network.tos.ai.bench.BenchDriver
 * </pre>
 */
public final class BenchDriver {
  private BenchDriver() {}

  public static void main(String[] args) throws Exception {
    String phase = env("TOS_BENCH_PHASE", "get_balance");
    String url = env("TOS_NODE_URL", "http://127.0.0.1:8545");
    TosClient.Builder builder = TosClient.builder(url);
    if (System.getenv("TOS_NODE_WS_URL") != null) {
      builder.wsUrl(System.getenv("TOS_NODE_WS_URL"));
    }
    try (TosClient client = builder.build()) {
      String result = phase.equals("events") ? events(client) : reads(client, phase);
      System.out.println(result);
    }
    System.exit(0);
  }

  private static String reads(TosClient client, String phase) throws InterruptedException {
    int concurrency = Integer.parseInt(env("TOS_BENCH_CONCURRENCY", "1"));
    double warmup = Double.parseDouble(env("TOS_BENCH_WARMUP", "1"));
    double seconds = Double.parseDouble(env("TOS_BENCH_SECONDS", "5"));
    Runnable call =
        switch (phase) {
          case "get_balance" -> {
            String address = env("TOS_BENCH_ADDRESS", null);
            yield () -> client.getBalance(address);
          }
          case "list_active_tasks" -> {
            TaskQuery query = TaskQuery.builder().limit(50).build();
            yield () -> client.listActiveTasks(query);
          }
          case "task_details" -> {
            String taskId = env("TOS_BENCH_TASK_ID", null);
            yield () -> client.getTaskDetails(taskId);
          }
          default -> throw new IllegalArgumentException("unknown phase " + phase);
        };
    long start = System.nanoTime();
    long measureFrom = start + (long) (warmup * 1e9);
    long end = measureFrom + (long) (seconds * 1e9);
    AtomicLong ops = new AtomicLong();
    AtomicLong errors = new AtomicLong();
    List<List<Long>> latencies = new ArrayList<>();
    List<Thread> threads = new ArrayList<>();
    long[] cpuAtStart = new long[1];
    for (int i = 0; i < concurrency; i++) {
      List<Long> mine = new ArrayList<>(100_000);
      latencies.add(mine);
      Thread thread =
          new Thread(
              () -> {
                while (true) {
                  long before = System.nanoTime();
                  if (before >= end) {
                    return;
                  }
                  boolean ok = true;
                  try {
                    call.run();
                  } catch (RuntimeException e) {
                    ok = false;
                  }
                  long after = System.nanoTime();
                  if (before >= measureFrom && after <= end) {
                    if (ok) {
                      ops.incrementAndGet();
                      mine.add(after - before);
                    } else {
                      errors.incrementAndGet();
                    }
                  }
                }
              },
              "bench-" + i);
      threads.add(thread);
      thread.start();
    }
    Thread.sleep(Math.max(0, (measureFrom - System.nanoTime()) / 1_000_000));
    cpuAtStart[0] = cpuNanos();
    for (Thread thread : threads) {
      thread.join();
    }
    double cpu = (cpuNanos() - cpuAtStart[0]) / 1e9;
    List<Long> all = new ArrayList<>();
    latencies.forEach(all::addAll);
    Collections.sort(all);
    return String.format(
        Locale.ROOT,
        "{\"client\": \"java\", \"phase\": \"%s\", \"ops\": %d, \"errors\": %d, \"seconds\": %.3f,"
            + " \"cpu_seconds\": %.3f, \"p50_ms\": %.3f, \"p99_ms\": %.3f, \"concurrency\": %d}",
        phase,
        ops.get(),
        errors.get(),
        seconds,
        cpu,
        percentile(all, 0.50),
        percentile(all, 0.99),
        concurrency);
  }

  private static String events(TosClient client) {
    long wanted = Long.parseLong(env("TOS_BENCH_EVENTS", "10000"));
    long started = System.nanoTime();
    long cpuStart = cpuNanos();
    long received = 0;
    long last = 0;
    boolean inOrder = true;
    try (EventIterator events = client.events().since(0).iterator()) {
      while (received < wanted) {
        Event event =
            events
                .poll(Duration.ofSeconds(30))
                .orElseThrow(() -> new IllegalStateException("no event within 30 s"));
        inOrder &= event.seq() == last + 1 && !event.name().isEmpty();
        last = event.seq();
        received++;
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;
    return String.format(
        Locale.ROOT,
        "{\"client\": \"java\", \"phase\": \"events\", \"ops\": %d, \"errors\": 0, \"seconds\": %.3f,"
            + " \"cpu_seconds\": %.3f, \"in_order\": %s}",
        received,
        seconds,
        (cpuNanos() - cpuStart) / 1e9,
        inOrder);
  }

  private static double percentile(List<Long> sorted, double q) {
    if (sorted.isEmpty()) {
      return 0.0;
    }
    int index = (int) Math.min(sorted.size() - 1, Math.round(q * (sorted.size() - 1)));
    return sorted.get(index) / 1e6;
  }

  private static long cpuNanos() {
    var os = ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.OperatingSystemMXBean sun) {
      return sun.getProcessCpuTime();
    }
    return 0;
  }

  private static String env(String name, String fallback) {
    String value = System.getenv(name);
    if (value == null && fallback == null) {
      throw new IllegalArgumentException(name + " is not set");
    }
    return value == null ? fallback : value;
  }
}
