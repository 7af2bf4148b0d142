package network.tos.ai;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import network.tos.ai.examples.AutoMine;
import network.tos.ai.examples.QuickStart;
import network.tos.ai.examples.WatchEvents;
import org.junit.jupiter.api.Test;

/** The README's examples run against the devnode as they are written. */
@NeedsNode
class ExamplesTest {
  private static String run(ThrowingMain main) throws Exception {
    PrintStream original = System.out;
    ByteArrayOutputStream captured = new ByteArrayOutputStream();
    System.setOut(new PrintStream(captured, true, StandardCharsets.UTF_8));
    try {
      main.run();
    } finally {
      System.setOut(original);
    }
    String output = captured.toString(StandardCharsets.UTF_8);
    original.print(output);
    return output;
  }

  private interface ThrowingMain {
    void run() throws Exception;
  }

  @Test
  void quick_start_publishes_lists_and_cancels_a_task() throws Exception {
    String out = run(() -> QuickStart.main(new String[] {Conformance.nodeUrl()}));
    assertTrue(out.contains("Optimize Rust Sorting Algorithm: 200 TOS, Published"), out);
    assertTrue(out.contains("Cancelled; balance 1000 TOS"), out);
  }

  @Test
  void watch_events_prints_the_last_events() throws Exception {
    String out = run(() -> WatchEvents.main(new String[] {Conformance.nodeUrl(), "3"}));
    assertTrue(out.lines().count() >= 3, out);
  }

  @Test
  void auto_mine_runs_and_reports() throws Exception {
    String out = run(() -> AutoMine.main(new String[] {Conformance.nodeUrl(), "1"}));
    assertTrue(out.startsWith("Scans 1,"), out);
  }
}
