package network.tos.ai.mining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import network.tos.ai.RetryPolicy;
import network.tos.ai.TosClient;
import network.tos.ai.model.Difficulty;
import network.tos.ai.model.TaskStatus;
import network.tos.ai.model.TaskSummary;
import network.tos.ai.model.TaskType;
import network.tos.ai.wallet.Wallet;
import org.junit.jupiter.api.Test;

class AutoMinerTest {
  private static TaskSummary task(Difficulty level, long reward, int participants) {
    return new TaskSummary(
        "a".repeat(64),
        "t",
        TaskType.of("GeneralTask"),
        level,
        BigInteger.valueOf(reward),
        BigInteger.valueOf(reward / 10),
        0,
        3600,
        participants,
        10,
        0,
        Wallet.generate().address(),
        TaskStatus.PUBLISHED);
  }

  @Test
  void the_success_estimate_favours_easy_tasks_good_reputations_and_few_rivals() {
    TaskSummary easy = task(Difficulty.BEGINNER, 8_000_000_000L, 0);
    assertEquals(0.9 * 0.75, AutoMiner.estimateSuccessProbability(easy, 500), 1e-9);
    assertTrue(
        AutoMiner.estimateSuccessProbability(easy, 1000)
            > AutoMiner.estimateSuccessProbability(easy, 500));
    assertTrue(
        AutoMiner.estimateSuccessProbability(task(Difficulty.EXPERT, 300_000_000_000L, 0), 500)
            < AutoMiner.estimateSuccessProbability(easy, 500));
    assertTrue(
        AutoMiner.estimateSuccessProbability(task(Difficulty.BEGINNER, 8_000_000_000L, 8), 500)
            < AutoMiner.estimateSuccessProbability(easy, 500));
  }

  @Test
  void the_stake_stays_within_the_nodes_range() {
    AutoMiningConfig config =
        AutoMiningConfig.builder(Difficulty.BEGINNER).stakeFraction(0.5).build();
    TaskSummary summary = task(Difficulty.BEGINNER, 8_000_000_001L, 0);
    assertEquals(summary.maxStake(), AutoMiner.stakeFor(summary, config));
    AutoMiningConfig low =
        AutoMiningConfig.builder(Difficulty.BEGINNER).stakeFraction(0.01).build();
    assertEquals(summary.minStake(), AutoMiner.stakeFor(summary, low));
  }

  @Test
  void the_design_defaults_are_a_60_second_scan_and_a_30_second_pause_after_an_error() {
    AutoMiningConfig config = AutoMiningConfig.builder(Difficulty.INTERMEDIATE).build();
    assertEquals(Duration.ofSeconds(60), config.checkInterval());
    assertEquals(Duration.ofSeconds(30), config.errorPause());
    assertTrue(config.autoSubmitSolutions() && config.useEvents());
  }

  @Test
  void after_a_failed_scan_the_loop_waits_the_error_pause_not_the_check_interval()
      throws Exception {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    AtomicInteger calls = new AtomicInteger();
    server.createContext(
        "/",
        exchange -> {
          calls.incrementAndGet();
          byte[] body = "down".getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(503, body.length);
          try (OutputStream out = exchange.getResponseBody()) {
            out.write(body);
          }
        });
    server.start();
    try (TosClient client =
        TosClient.builder("http://127.0.0.1:" + server.getAddress().getPort())
            .retry(RetryPolicy.none())
            .build()) {
      AutoMiningConfig config =
          AutoMiningConfig.builder(Difficulty.BEGINNER)
              .useEvents(false)
              .checkInterval(Duration.ofMillis(50))
              .errorPause(Duration.ofMillis(600))
              .build();
      AutoMiner miner =
          AutoMiner.start(client, client.account(Wallet.generate()), config, t -> null);
      Thread.sleep(1_500);
      long stopping = System.nanoTime();
      miner.stop();
      assertTrue((System.nanoTime() - stopping) / 1e9 < 1, "stop() waited out the pause");
      assertFalse(miner.isRunning());
      AutoMiningReport report = miner.report();
      assertEquals(0, report.scans());
      // 1.5 s of 0.6 s pauses: 3 failed scans, not the 30 a 50 ms interval would make.
      assertTrue(
          report.errors().size() >= 2 && report.errors().size() <= 4, report.errors().toString());
      assertEquals(report.errors().size(), calls.get());
      assertEquals(Optional.empty(), report.lastScanAt());
    } finally {
      server.stop(0);
    }
  }
}
