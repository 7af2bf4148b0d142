package network.tos.ai.examples;

import java.math.BigInteger;
import java.util.List;
import network.tos.ai.TosAccount;
import network.tos.ai.TosClient;
import network.tos.ai.model.Amounts;
import network.tos.ai.model.Difficulty;
import network.tos.ai.model.NetworkInfo;
import network.tos.ai.model.PublishReceipt;
import network.tos.ai.model.TaskData;
import network.tos.ai.model.TaskQuery;
import network.tos.ai.model.TaskSummary;
import network.tos.ai.model.TaskType;
import network.tos.ai.wallet.Wallet;

/**
 * Reads the network, funds a new wallet from the devnode's faucet, publishes a signed task and
 * lists it.
 *
 * <pre>java -cp "target/classes:target/lib/*" src/test/java/network/tos/ai/examples/QuickStart.java
 * http://127.0.0.1:8545</pre>
 */
public final class QuickStart {
  private QuickStart() {}

  public static void main(String[] args) {
    String url = args.length > 0 ? args[0] : "http://127.0.0.1:8545";
    try (TosClient client = TosClient.connect(url)) {
      NetworkInfo info = client.getNetworkInfo();
      System.out.println("Active tasks: " + info.activeTasks() + " on " + info.network());

      Wallet wallet = Wallet.generate(); // keep wallet.exportPrivateKey() somewhere safe
      client.devFaucet(wallet.address(), Amounts.fromTos("1000")); // dev mode only
      TosAccount publisher = client.account(wallet);

      TaskData task =
          TaskData.builder(TaskType.codeAnalysis("rust"), Amounts.fromTos("200"))
              .title("Optimize Rust Sorting Algorithm")
              .description("Make the sort stable and keep it O(n log n).")
              .difficulty(Difficulty.INTERMEDIATE)
              .build();
      PublishReceipt receipt = publisher.publishTask(task);
      System.out.println("Published " + receipt.taskId() + ", deadline " + receipt.deadline());

      List<TaskSummary> mine =
          client.listActiveTasks(TaskQuery.builder().publisher(wallet.address()).build());
      for (TaskSummary summary : mine) {
        BigInteger reward = summary.rewardAmount();
        System.out.println(
            summary.title() + ": " + Amounts.format(reward) + ", " + summary.status().wireName());
      }
      publisher.cancelTask(receipt.taskId());
      System.out.println(
          "Cancelled; balance " + Amounts.format(client.getBalance(wallet.address()).balance()));
    }
  }
}
