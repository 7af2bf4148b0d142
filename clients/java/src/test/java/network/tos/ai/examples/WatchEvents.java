package network.tos.ai.examples;

import network.tos.ai.TosClient;
import network.tos.ai.events.EventIterator;
import network.tos.ai.model.Event;
import network.tos.ai.model.NodeInfo;

/**
 * Prints the node's last events and then the live ones: the blocking iterator resumes by itself
 * across node restarts, without skipping or repeating a seq.
 *
 * <pre>
 * java -cp "target/classes:target/lib/*" src/test/java/network/tos/ai/examples/WatchEvents.java
 * http://127.0.0.1:8545 [how many]</pre>
 */
public final class WatchEvents {
  private WatchEvents() {}

  public static void main(String[] args) {
    String url = args.length > 0 ? args[0] : "http://127.0.0.1:8545";
    long count = args.length > 1 ? Long.parseLong(args[1]) : Long.MAX_VALUE;
    try (TosClient client = TosClient.connect(url)) {
      NodeInfo info = client.getInfo();
      long from = Math.max(0, info.headSeq() - 5);
      try (EventIterator events = client.events().since(from, info.chainId()).iterator()) {
        for (long i = 0; i < count && events.hasNext(); i++) {
          Event event = events.next();
          System.out.println(event.seq() + " " + event.name() + " " + event.data());
        }
      }
    }
  }
}
