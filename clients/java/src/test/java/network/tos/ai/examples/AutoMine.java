package network.tos.ai.examples;

import java.time.Duration;
import network.tos.ai.TosAccount;
import network.tos.ai.TosClient;
import network.tos.ai.mining.AutoMiner;
import network.tos.ai.mining.AutoMiningConfig;
import network.tos.ai.mining.AutoMiningReport;
import network.tos.ai.model.Amounts;
import network.tos.ai.model.Difficulty;
import network.tos.ai.model.MinerConfig;
import network.tos.ai.model.TaskSolution;
import network.tos.ai.wallet.Wallet;

/**
 * The TOS design's auto-mining example: a funded, registered miner takes Beginner and Intermediate
 * tasks for a while, answering with a plug-in solver.
 *
 * <pre>java -cp "target/classes:target/lib/*" src/test/java/network/tos/ai/examples/AutoMine.java
 * http://127.0.0.1:8545 [seconds]</pre>
 */
public final class AutoMine {
  private AutoMine() {}

  public static void main(String[] args) throws InterruptedException {
    String url = args.length > 0 ? args[0] : "http://127.0.0.1:8545";
    long seconds = args.length > 1 ? Long.parseLong(args[1]) : 3600;
    try (TosClient client = TosClient.connect(url)) {
      Wallet wallet = Wallet.generate();
      client.devFaucet(wallet.address(), Amounts.fromTos("1000")); // dev mode only
      TosAccount miner = client.account(wallet);
      miner.registerMiner(MinerConfig.defaults());

      AutoMiningConfig config =
          AutoMiningConfig.builder(Difficulty.BEGINNER, Difficulty.INTERMEDIATE)
              .maxConcurrentTasks(3)
              .minSuccessProbability(0.4)
              .minTimeLeft(Duration.ofHours(1))
              .checkInterval(Duration.ofSeconds(60))
              .autoSubmitSolutions(true)
              .build();
      try (AutoMiner loop =
          AutoMiner.start(
              client,
              miner,
              config,
              task ->
                  TaskSolution.of("A first answer to " + task.title() + ", from a Java solver."))) {
        Thread.sleep(Duration.ofSeconds(seconds).toMillis());
        AutoMiningReport report = loop.report();
        System.out.println(
            "Scans "
                + report.scans()
                + ", joined "
                + report.joined()
                + ", submitted "
                + report.submitted().keySet());
      }
    }
  }
}
