package network.tos.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import network.tos.ai.error.NodeTimeoutException;
import network.tos.ai.error.NodeUnavailableException;
import network.tos.ai.events.EventIterator;
import network.tos.ai.events.EventStream;
import network.tos.ai.model.Amounts;
import network.tos.ai.model.Difficulty;
import network.tos.ai.model.Event;
import network.tos.ai.model.NodeInfo;
import network.tos.ai.model.PublishReceipt;
import network.tos.ai.model.TaskData;
import network.tos.ai.model.TaskType;
import network.tos.ai.wallet.Wallet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** Signed writes against the devnode: nonces under concurrency, stale caches, the listener API. */
@NeedsNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class AccountTest {
  private TosClient client;

  @BeforeAll
  void connect() {
    client = TosClient.connect(Conformance.nodeUrl());
  }

  @AfterAll
  void close() {
    if (client != null) {
      client.close();
    }
  }

  /** 10,000 TOS: the node's faucet mints at most 50,000,000 TOS a chain, for every client's run. */
  private Wallet funded() {
    Wallet wallet = Wallet.generate();
    client.devFaucet(wallet.address(), Amounts.fromTos("10000"));
    return wallet;
  }

  /** Intermediate, so that no auto-miner of another client's run takes it; cancelled after. */
  private static TaskData task(String title) {
    return TaskData.builder(TaskType.generalTask("java"), BigInteger.valueOf(20_000_000_000L))
        .title(title)
        .difficulty(Difficulty.INTERMEDIATE)
        .build();
  }

  @Test
  void concurrent_writes_from_many_threads_never_reuse_a_nonce() throws Exception {
    TosAccount account = client.account(funded());
    int threads = 8;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<PublishReceipt>> blocking = new ArrayList<>();
      List<CompletableFuture<PublishReceipt>> async = new ArrayList<>();
      for (int i = 0; i < threads; i++) {
        int n = i;
        blocking.add(
            pool.submit(() -> account.publishTask(task("Java concurrency, blocking " + n))));
        async.add(account.publishTaskAsync(task("Java concurrency, async " + n)));
      }
      Set<String> ids = new HashSet<>();
      for (Future<PublishReceipt> receipt : blocking) {
        ids.add(receipt.get(60, TimeUnit.SECONDS).taskId());
      }
      for (CompletableFuture<PublishReceipt> receipt : async) {
        ids.add(receipt.get(60, TimeUnit.SECONDS).taskId());
      }
      assertEquals(2 * threads, ids.size());
      assertEquals(2 * threads, client.getNonce(account.address()).nonce());
      CompletableFuture.allOf(
              ids.stream().map(account::cancelTaskAsync).toArray(CompletableFuture[]::new))
          .get(60, TimeUnit.SECONDS);
      assertEquals(4 * threads, client.getNonce(account.address()).nonce());
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void a_nonce_another_client_used_is_signed_again_with_the_nodes_next() {
    Wallet wallet = funded();
    try (TosClient other = TosClient.connect(Conformance.nodeUrl())) {
      TosAccount mine = client.account(wallet);
      String first = mine.publishTask(task("Java stale nonce, first")).taskId(); // caches nonce 1
      String theirs = other.account(wallet).publishTask(task("Java stale nonce, other")).taskId();
      String again = mine.publishTask(task("Java stale nonce, again")).taskId(); // 1 is stale
      assertEquals(3, client.getNonce(wallet.address()).nonce());
      for (String id : List.of(first, theirs, again)) {
        mine.cancelTask(id);
      }
    }
  }

  @Test
  void the_listener_api_delivers_each_event_once_in_seq_order() throws Exception {
    long head = client.getInfo().headSeq();
    List<Event> events = new CopyOnWriteArrayList<>();
    TosAccount account = client.account(funded());
    try (EventStream stream =
        client.events().since(head).only("task_published").listen(events::add)) {
      List<String> published = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        published.add(account.publishTask(task("Java listener " + i)).taskId());
      }
      long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
      while (events.stream().filter(e -> published.contains(e.taskId().orElse(""))).count() < 3) {
        assertTrue(System.nanoTime() < deadline, "the listener did not hear the publications");
        Thread.sleep(20);
      }
      List<String> heard =
          events.stream().map(e -> e.taskId().orElse("")).filter(published::contains).toList();
      assertEquals(published, heard);
      for (int i = 1; i < events.size(); i++) {
        assertTrue(events.get(i - 1).seq() < events.get(i).seq());
      }
      published.forEach(account::cancelTask);
      assertTrue(stream.isOpen());
    }
  }

  @Test
  void the_stream_resumes_after_a_killed_node_without_a_gap_or_a_repeat() {
    NodeInfo info = client.getInfo();
    TosAccount account = client.account(funded());
    try (EventIterator events = client.events().since(info.headSeq(), info.chainId()).iterator()) {
      String before = account.publishTask(task("Java stream, before the kill")).taskId();
      long last = readUntilPublished(events, info.headSeq(), before);
      Conformance.controlNode("restart", "{\"kill\": true}");
      String after = null;
      long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
      while (after == null) {
        try {
          after = account.publishTask(task("Java stream, after the kill")).taskId();
        } catch (NodeUnavailableException | NodeTimeoutException e) {
          assertTrue(System.nanoTime() < deadline, "the node did not come back");
        }
      }
      readUntilPublished(events, last, after);
      account.cancelTask(before);
      account.cancelTask(after);
    }
  }

  /** Reads consecutive seqs after {@code last} until {@code taskId}'s task_published; its seq. */
  private static long readUntilPublished(EventIterator events, long last, String taskId) {
    while (true) {
      Event event =
          events.poll(Duration.ofSeconds(30)).orElseThrow(() -> new AssertionError("no event"));
      assertEquals(last + 1, event.seq(), "a seq missing or repeated");
      last = event.seq();
      if (event.name().equals("task_published") && event.taskId().orElse("").equals(taskId)) {
        return last;
      }
    }
  }
}
