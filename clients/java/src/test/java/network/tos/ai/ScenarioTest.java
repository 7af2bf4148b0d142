package network.tos.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import network.tos.ai.error.InsufficientFundsException;
import network.tos.ai.error.NodeRpcException;
import network.tos.ai.error.NodeTimeoutException;
import network.tos.ai.error.NodeUnavailableException;
import network.tos.ai.error.NonceMismatchException;
import network.tos.ai.error.WrongChainException;
import network.tos.ai.events.ChainReset;
import network.tos.ai.events.ChainResetException;
import network.tos.ai.events.EventIterator;
import network.tos.ai.events.EventStream.ChainResetPolicy;
import network.tos.ai.internal.Fields;
import network.tos.ai.internal.Results;
import network.tos.ai.mining.AutoMiner;
import network.tos.ai.mining.AutoMiningConfig;
import network.tos.ai.model.Difficulty;
import network.tos.ai.model.Event;
import network.tos.ai.model.EventsPage;
import network.tos.ai.model.MinerConfig;
import network.tos.ai.model.NetworkInfo;
import network.tos.ai.model.NodeInfo;
import network.tos.ai.model.Participation;
import network.tos.ai.model.PublishReceipt;
import network.tos.ai.model.Rules;
import network.tos.ai.model.Submission;
import network.tos.ai.model.SubmissionReceipt;
import network.tos.ai.model.TaskData;
import network.tos.ai.model.TaskDetails;
import network.tos.ai.model.TaskQuery;
import network.tos.ai.model.TaskSolution;
import network.tos.ai.model.TaskStatus;
import network.tos.ai.model.TaskSummary;
import network.tos.ai.model.ValidationReceipt;
import network.tos.ai.model.ValidationResult;
import network.tos.ai.wallet.Wallet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/** clients/conformance/scenario.md, step by step, through the client's public API. */
@Order(Integer.MAX_VALUE) // step 9 resets the node's chain: nothing of this suite runs after it
@NeedsNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ScenarioTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final JsonNode s = Conformance.scenario();
  private TosClient client;
  private long startSeq;
  private String chain;
  private final Map<String, Wallet> wallets = new HashMap<>();
  private final Map<String, BigInteger> funded = new HashMap<>();
  private String taskA;
  private String taskB;
  private final Map<String, String> submissionOf = new HashMap<>();
  private List<Event> httpEvents;
  private EventIterator stream;

  @BeforeAll
  void connect() {
    client =
        TosClient.builder(Conformance.nodeUrl())
            .wsUrl(Conformance.wsUrl())
            .requestTimeout(Duration.ofSeconds(10))
            .build();
  }

  @AfterAll
  void close() {
    if (stream != null) {
      stream.close();
    }
    if (client != null) {
      client.close();
    }
  }

  private TosAccount as(String who) {
    return client.account(wallets.get(who));
  }

  private String address(String who) {
    return wallets.get(who).address();
  }

  private BigInteger balance(String who) {
    return client.getBalance(address(who)).balance();
  }

  private static BigInteger amount(JsonNode value) {
    return new BigInteger(value.asText());
  }

  private JsonNode refusal(int index, String kind) {
    JsonNode refusal = s.get("refusals").get(index);
    assertEquals(kind, refusal.get("kind").asText(), "scenario.json's refusals changed order");
    return refusal;
  }

  /** Runs {@code call} and checks it is refused as the client's type for {@code refusal}'s kind. */
  private NodeRpcException expectRefusal(JsonNode refusal, Runnable call) {
    NodeRpcException error =
        assertThrows(NodeRpcException.class, call::run, refusal.get("step").asText());
    assertEquals(
        refusal.get("kind").asText(), error.kind(), refusal.get("step").asText() + ": " + error);
    assertEquals(refusal.get("code").asInt(), error.code());
    assertEquals(
        network.tos.ai.error.NodeRpcExceptionTypes.of(refusal.get("kind").asText()),
        error.getClass());
    return error;
  }

  // 1. Network info -------------------------------------------------------------------------------

  @Test
  @Order(1)
  void step1_network_info() {
    NodeInfo info = client.getInfo();
    assertEquals("devnet", info.network());
    assertFalse(info.chainId().isEmpty());
    assertTrue(info.headSeq() >= 0);
    startSeq = info.headSeq();
    chain = info.chainId();
    NetworkInfo network = client.getNetworkInfo();
    assertEquals("devnet", network.network());
    assertTrue(
        network.activeTasks() >= 0 && network.totalMiners() >= 0 && network.onlineMiners() >= 0);
    assertTrue(network.totalRewardsDistributed().signum() >= 0);
    assertTrue(network.averageTaskCompletionTime() >= 0 && network.topoheight() >= 0);
    assertTrue(network.timestamp() > 1_600_000_000L);
    assertEquals(network.network(), client.aiGetNetworkInfo().network());
  }

  @Test
  @Order(1)
  void step1_rules() {
    Rules rules = client.getRules();
    JsonNode raw = client.call("ai_get_rules", null);
    assertEquals(Results.rules(Fields.of("ai_get_rules", raw)), rules);
    assertEquals(amount(raw.get("amounts").get("max_supply")), rules.amounts().maxSupply());
    assertEquals(
        amount(raw.get("difficulty_levels").get(0).get("min_reward")),
        rules.difficultyLevels().get(0).minReward());
    JsonNode vectors = Conformance.vectors("rules");
    JsonNode configurable = vectors.get("configurable");
    assertEquals(
        Conformance.rulesWithout(vectors.get("rules"), configurable),
        Conformance.rulesWithout(raw, configurable));
    s.get("rules")
        .get("on_this_node")
        .properties()
        .forEach(
            entry ->
                assertEquals(
                    entry.getValue(), Conformance.member(raw, entry.getKey()), entry.getKey()));
    assertEquals(Optional.empty(), rules.rateLimits().perWindow());
  }

  // 2. Accounts -----------------------------------------------------------------------------------

  @Test
  @Order(2)
  void step2_accounts() {
    BigInteger faucet = amount(s.at("/funding/faucet_amount"));
    BigInteger fee = amount(s.at("/funding/registration_fee"));
    for (String who : List.of("publisher", "miner_1", "miner_2", "validator_1", "validator_2")) {
      wallets.put(who, Wallet.generate());
      client.devFaucet(address(who), faucet);
    }
    for (String who : List.of("miner_1", "miner_2", "validator_1", "validator_2")) {
      assertEquals(500, as(who).registerMiner(new MinerConfig(List.of(), fee)).reputation());
      var stats = client.getMinerStats(address(who));
      assertTrue(stats.isRegistered());
      assertEquals(500, stats.reputation());
    }
    wallets.keySet().forEach(who -> funded.put(who, balance(who)));
  }

  // 3. Publish, list, page, cancel ----------------------------------------------------------------

  @Test
  @Order(3)
  void step3_publish_list_page_cancel() {
    BigInteger before = balance("publisher");
    TaskData dataA = TaskData.fromJson(s.at("/task_a/task_data"));
    PublishReceipt a = as("publisher").publishTask(dataA);
    assertEquals("published", a.status());
    taskA = a.taskId();
    assertEquals(before.subtract(dataA.rewardAmount()), balance("publisher"));
    expectSummary(client.getTaskDetails(taskA).summary(), s.at("/task_a/expected_summary"));

    PublishReceipt b = as("publisher").publishTask(TaskData.fromJson(s.at("/task_b/task_data")));
    taskB = b.taskId();
    expectSummary(client.getTaskDetails(taskB).summary(), s.at("/task_b/expected_summary"));

    TaskQuery.Builder mine =
        TaskQuery.builder()
            .publisher(address("publisher"))
            .sortDescending(TaskQuery.SortBy.CREATED_AT);
    assertEquals(List.of(taskB, taskA), ids(client.listActiveTasks(mine.build())));
    assertEquals(List.of(taskB), ids(client.listActiveTasks(mine.limit(1).build())));
    assertEquals(List.of(taskA), ids(client.listActiveTasks(mine.limit(1).offset(1).build())));
    TaskQuery intermediate =
        TaskQuery.builder()
            .publisher(address("publisher"))
            .difficulty(Difficulty.INTERMEDIATE)
            .build();
    assertEquals(List.of(taskA), ids(client.listActiveTasks(intermediate)));

    BigInteger beforeCancel = balance("publisher");
    var cancelled = as("publisher").cancelTask(taskB);
    assertEquals(TaskStatus.CANCELLED, client.getTaskDetails(taskB).status());
    BigInteger rewardB = amount(s.at("/task_b/task_data/reward_amount"));
    assertEquals(rewardB, cancelled.refunded());
    assertEquals(beforeCancel.add(rewardB), balance("publisher"));
  }

  private static List<String> ids(List<TaskSummary> tasks) {
    return tasks.stream().map(TaskSummary::taskId).toList();
  }

  private static void expectSummary(TaskSummary task, JsonNode expected) {
    for (var entry : expected.properties()) {
      JsonNode want = entry.getValue();
      String field = entry.getKey();
      Object got =
          switch (field) {
            case "task_type" -> task.taskType().toJson();
            case "difficulty_level" -> task.difficultyLevel().wireName();
            case "reward_amount" -> task.rewardAmount();
            case "stake_required" -> task.stakeRequired();
            case "max_participants" -> task.maxParticipants();
            case "status" -> task.status().wireName();
            case "participants_count" -> task.participantsCount();
            case "submissions_count" -> task.submissionsCount();
            default -> throw new AssertionError("the scenario expects an unknown field " + field);
          };
      Object wanted =
          switch (field) {
            case "task_type" -> want;
            case "reward_amount", "stake_required" -> amount(want);
            case "max_participants", "participants_count", "submissions_count" -> want.asInt();
            default -> want.asText();
          };
      assertEquals(wanted, got, field);
    }
  }

  // 4. Participate, submit, refuse ----------------------------------------------------------------

  @Test
  @Order(4)
  void step4_participate_submit_refuse() {
    BigInteger stake = amount(s.at("/task_a/stake_amount"));
    BigInteger before = balance("miner_1");
    Participation joined = as("miner_1").participateTask(taskA, stake);
    assertEquals(stake, joined.stakeAmount());
    assertEquals(before.subtract(stake), balance("miner_1"));
    TaskDetails details = client.getTaskDetails(taskA);
    assertEquals(TaskStatus.IN_PROGRESS, details.status());
    assertEquals(1, details.participants().size());

    expectRefusal(refusal(0, "already_done"), () -> as("miner_1").participateTask(taskA, stake));
    expectRefusal(
        refusal(1, "permission_denied"), () -> as("publisher").participateTask(taskA, stake));
    expectRefusal(
        refusal(2, "insufficient_funds"),
        () -> as("validator_1").participateTask(taskA, BigInteger.ONE));
    expectRefusal(refusal(3, "unknown_entity"), () -> client.getTaskDetails("0".repeat(64)));
    TaskData tooSmall =
        TaskData.builder(
                network.tos.ai.model.TaskType.codeAnalysis("rust"),
                BigInteger.valueOf(100_000_000L))
            .title("Conformance: far too small a reward")
            .difficulty(Difficulty.INTERMEDIATE)
            .build();
    expectRefusal(refusal(4, "invalid_content"), () -> as("publisher").publishTask(tooSmall));
    ObjectNode nope = JsonNodeFactory.instance.objectNode().put("task_id", "nope");
    expectRefusal(refusal(9, "invalid_params"), () -> client.call("ai_get_task_details", nope));
    expectRefusal(
        refusal(10, "method_not_found"),
        () -> client.call("ai_no_such_method", JsonNodeFactory.instance.objectNode()));

    // The lower-level signing API: a nonce 5 above the next, then a made-up chain id.
    Wallet publisher = wallets.get("publisher");
    ObjectNode params = JsonNodeFactory.instance.objectNode();
    params.set("task_data", TaskData.fromJson(s.at("/task_b/task_data")).toJson());
    long next = client.getNonce(publisher.address()).nonce();
    ObjectNode ahead = params.deepCopy();
    ahead.set(
        "auth",
        publisher.signRequest("ai_publish_task", params, next + 5, chain, "devnet").toJson());
    NonceMismatchException nonce =
        (NonceMismatchException)
            expectRefusal(
                refusal(6, "nonce_mismatch"), () -> client.call("ai_publish_task", ahead));
    assertEquals(next, nonce.expectedNonce().orElseThrow());
    ObjectNode elsewhere = params.deepCopy();
    elsewhere.set(
        "auth",
        publisher
            .signRequest("ai_publish_task", params, next, "0000000000000000", "devnet")
            .toJson());
    WrongChainException wrong =
        (WrongChainException)
            expectRefusal(
                refusal(7, "wrong_chain"), () -> client.call("ai_publish_task", elsewhere));
    assertEquals(chain, wrong.expectedChainId().orElseThrow());
    assertEquals(
        next, client.getNonce(publisher.address()).nonce(), "a refused signature spends nothing");

    as("miner_2").participateTask(taskA, stake);
    for (String miner : List.of("miner_1", "miner_2")) {
      TaskSolution solution = TaskSolution.fromJson(s.at("/task_a/solutions/" + miner));
      SubmissionReceipt receipt = as(miner).submitSolution(taskA, solution);
      assertEquals("submitted", receipt.status());
      assertTrue(receipt.answerHash().matches("[0-9a-f]{64}"), receipt.answerHash());
      submissionOf.put(miner, receipt.submissionId());
    }
    assertEquals(2, client.getTaskDetails(taskA).summary().submissionsCount());
  }

  // 5. Validate and complete ----------------------------------------------------------------------

  @Test
  @Order(5)
  void step5_validate_and_complete() {
    expectRefusal(
        refusal(5, "permission_denied"),
        () ->
            as("miner_1")
                .validateSubmission(
                    taskA,
                    submissionOf.get("miner_2"),
                    new ValidationResult.Approve(50, "A participant may not validate.")));
    Map<String, Integer> counted = new HashMap<>();
    for (JsonNode validation : s.at("/task_a/validations")) {
      String of = validation.get("submission_of").asText();
      ValidationReceipt receipt =
          as(validation.get("validator").asText())
              .validateSubmission(
                  taskA, submissionOf.get(of), ValidationResult.fromJson(validation.get("result")));
      int count = counted.merge(of, 1, Integer::sum);
      assertEquals(count, receipt.consensusProgress().validations());
      assertEquals(2, receipt.consensusProgress().required());
    }

    JsonNode expected = s.at("/task_a/expected_after_completion");
    TaskDetails done = client.getTaskDetails(taskA);
    assertEquals(expected.get("status").asText(), done.status().wireName());
    for (var entry : expected.get("final_scores").properties()) {
      Submission submission =
          done.submissions().stream()
              .filter(sub -> sub.submitter().equals(address(entry.getKey())))
              .findFirst()
              .orElseThrow();
      assertEquals(entry.getValue().asInt(), submission.finalScore().orElseThrow(), entry.getKey());
    }
    String winner =
        done.rewards().stream()
            .filter(reward -> reward.rewardType().equals("winner"))
            .findFirst()
            .orElseThrow()
            .recipient();
    assertEquals(address(expected.get("winner").asText()), winner);
    for (var entry : expected.get("balance_delta_since_funded").properties()) {
      String who = entry.getKey();
      assertEquals(amount(entry.getValue()), balance(who).subtract(funded.get(who)), who);
    }
    for (var entry : expected.get("reputation").properties()) {
      assertEquals(
          entry.getValue().asInt(),
          client.getMinerStats(address(entry.getKey())).reputation(),
          entry.getKey());
    }
    for (var entry : expected.get("rewards_by_type").properties()) {
      assertEquals(amount(entry.getValue()), done.rewardsOfType(entry.getKey()), entry.getKey());
    }

    expectRefusal(
        refusal(8, "not_accepting"),
        () ->
            as("validator_1")
                .validateSubmission(
                    taskA,
                    submissionOf.get("miner_1"),
                    new ValidationResult.Approve(90, "Once more, after completion.")));
  }

  // 6. Events over HTTP ---------------------------------------------------------------------------

  @Test
  @Order(6)
  void step6_events_over_http() {
    httpEvents = new ArrayList<>();
    long since = startSeq;
    long head;
    do {
      EventsPage page = client.getEvents(since, 100);
      assertEquals(chain, page.chainId());
      assertFalse(page.resyncRequired());
      head = page.headSeq();
      httpEvents.addAll(page.events());
      if (!page.events().isEmpty()) {
        since = page.events().get(page.events().size() - 1).seq();
      } else {
        break;
      }
    } while (since < head);
    assertConsecutive(startSeq, httpEvents);
    List<String> names = List.copyOf(eventNames(s.get("events_task_a")));
    Set<String> wanted = Set.copyOf(names);
    List<String> aboutA =
        httpEvents.stream()
            .filter(event -> event.taskId().filter(taskA::equals).isPresent())
            .map(Event::name)
            .filter(wanted::contains)
            .toList();
    assertEquals(names, aboutA);
  }

  private static List<String> eventNames(JsonNode list) {
    List<String> names = new ArrayList<>();
    list.forEach(name -> names.add(name.asText()));
    return names;
  }

  private static void assertConsecutive(long after, List<Event> events) {
    long expected = after + 1;
    for (Event event : events) {
      assertEquals(expected, event.seq(), "seqs must be consecutive");
      expected++;
    }
  }

  // 7. Events over WebSocket, across a node restart -----------------------------------------------

  @Test
  @Order(7)
  void step7_events_over_websocket_across_a_restart() {
    stream =
        client
            .events()
            .since(startSeq, chain)
            .onChainReset(ChainResetPolicy.RESTART_FROM_ZERO)
            .iterator();
    List<Event> seen = new ArrayList<>();
    for (int i = 0; i < httpEvents.size(); i++) {
      seen.add(next(stream));
    }
    assertEquals(
        httpEvents.stream().map(e -> e.seq() + " " + e.name()).toList(),
        seen.stream().map(e -> e.seq() + " " + e.name()).toList());

    Conformance.controlNode("restart");
    PublishReceipt c =
        retryUntilTheNodeAnswers(
            () -> as("publisher").publishTask(TaskData.fromJson(s.at("/task_c/task_data"))));
    long last = seen.get(seen.size() - 1).seq();
    while (true) {
      Event event = next(stream);
      assertEquals(last + 1, event.seq(), "no seq missing, none repeated, across the restart");
      last = event.seq();
      if (event.name().equals("task_published") && event.taskId().orElse("").equals(c.taskId())) {
        break;
      }
    }
  }

  private static Event next(EventIterator stream) {
    return stream
        .poll(WAIT)
        .orElseThrow(() -> new AssertionError("no event within " + WAIT.toSeconds() + " s"));
  }

  private static <T> T retryUntilTheNodeAnswers(Supplier<T> call) {
    long deadline = System.nanoTime() + WAIT.toNanos();
    while (true) {
      try {
        return call.get();
      } catch (NodeUnavailableException | NodeTimeoutException e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        sleep(100);
      }
    }
  }

  // 8. Auto-mining --------------------------------------------------------------------------------

  @Test
  @Order(8)
  void step8_auto_mining() throws InterruptedException {
    JsonNode am = s.get("auto_mining");
    wallets.put("auto_miner", Wallet.generate());
    client.devFaucet(address("auto_miner"), amount(s.at("/funding/faucet_amount")));
    as("auto_miner")
        .registerMiner(new MinerConfig(List.of(), amount(s.at("/funding/registration_fee"))));
    TaskSolution answer = TaskSolution.of("A fixed answer from the Java conformance solver.");

    AutoMiningConfig config = AutoMiningConfig.fromJson(am.get("config"));
    assertEquals(Duration.ofSeconds(60), config.checkInterval());
    String eventTask;
    String unsuitable;
    try (AutoMiner miner = AutoMiner.start(client, as("auto_miner"), config, task -> answer)) {
      assertTrue(miner.awaitScans(1, WAIT), "the first scan did not finish");
      unsuitable =
          as("publisher").publishTask(TaskData.fromJson(am.get("unsuitable_task"))).taskId();
      eventTask = as("publisher").publishTask(TaskData.fromJson(am.get("event_task"))).taskId();
      long published = System.nanoTime();
      double within = am.get("join_within_seconds").asDouble();
      waitForParticipant(eventTask, address("auto_miner"), within);
      double took = (System.nanoTime() - published) / 1e9;
      System.out.printf("auto-miner joined the event task %.3f s after the publish reply%n", took);
      waitFor(
          () -> submitter(eventTask, address("auto_miner")), WAIT, "the auto-miner's submission");
      assertFalse(participant(unsuitable, address("auto_miner")), "joined the unsuitable task");
    }

    ObjectNode scanConfig = am.get("config").deepCopy();
    scanConfig.setAll((ObjectNode) am.get("scan_config"));
    AutoMiningConfig scanning = AutoMiningConfig.fromJson(scanConfig);
    AutoMiner miner = AutoMiner.start(client, as("auto_miner"), scanning, task -> answer);
    String scanTask;
    try {
      assertTrue(miner.awaitScans(1, WAIT), "the first scan did not finish");
      scanTask = as("publisher").publishTask(TaskData.fromJson(am.get("scan_task"))).taskId();
      waitForParticipant(
          scanTask, address("auto_miner"), am.get("scan_join_within_seconds").asDouble());
    } finally {
      long stopping = System.nanoTime();
      miner.stop();
      assertTrue((System.nanoTime() - stopping) / 1e9 < 5, "the loop took too long to stop");
      assertFalse(miner.isRunning());
    }
    JsonNode after = am.get("scan_task").deepCopy();
    ((ObjectNode) after).put("title", "Conformance: published after the loop stopped");
    String late = as("publisher").publishTask(TaskData.fromJson(after)).taskId();
    sleep((long) (scanning.checkInterval().toMillis() * 1.5));
    assertFalse(participant(late, address("auto_miner")), "a stopped loop joined a task");
    assertFalse(participant(unsuitable, address("auto_miner")));
  }

  private boolean participant(String taskId, String address) {
    return client.getTaskDetails(taskId).participants().stream()
        .anyMatch(p -> p.miner().equals(address));
  }

  private boolean submitter(String taskId, String address) {
    return client.getTaskDetails(taskId).submissions().stream()
        .anyMatch(sub -> sub.submitter().equals(address));
  }

  private void waitForParticipant(String taskId, String address, double seconds) {
    long started = System.nanoTime();
    long deadline = started + (long) (seconds * 1e9);
    while (!participant(taskId, address)) {
      if (System.nanoTime() > deadline) {
        fail("the auto-miner did not join " + taskId + " within " + seconds + " s");
      }
      sleep(25);
    }
  }

  private static void waitFor(Supplier<Boolean> condition, Duration timeout, String what) {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!condition.get()) {
      if (System.nanoTime() > deadline) {
        fail("no " + what + " within " + timeout.toSeconds() + " s");
      }
      sleep(50);
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  // 9. Chain reset --------------------------------------------------------------------------------

  @Test
  @Order(9)
  void step9_chain_reset() {
    // Drain what step 8 added, so the stream's cursor is the node's head.
    long head = client.getInfo().headSeq();
    long cursor = stream.stream().lastDelivered().orElseThrow();
    while (cursor < head) {
      cursor = next(stream).seq();
    }
    assertEquals(chain, stream.stream().chainId().orElseThrow());

    JsonNode reset = Conformance.controlNode("reset");
    String newChain = reset.get("chain_id").asText();
    assertNotEquals(chain, newChain);
    ChainResetException error = assertThrows(ChainResetException.class, () -> next(stream));
    ChainReset said = error.reset();
    assertEquals(chain, said.oldChainId());
    assertEquals(newChain, said.newChainId());
    assertEquals(cursor, said.lastSeq());

    // Signed for the new chain: the publisher is unfunded there, not on the wrong chain.
    assertThrows(
        InsufficientFundsException.class,
        () -> as("publisher").publishTask(TaskData.fromJson(s.at("/task_a/task_data"))));

    // The stream went on from seq 0 of the new chain: its first events, in order.
    Wallet fresh = Wallet.generate();
    client.devFaucet(fresh.address(), amount(s.at("/funding/faucet_amount")));
    client.account(fresh).registerMiner(MinerConfig.defaults());
    EventsPage page = client.getEvents(0, 100);
    assertEquals(newChain, page.chainId());
    assertFalse(page.events().isEmpty());
    List<Event> got = new ArrayList<>();
    for (int i = 0; i < page.events().size(); i++) {
      got.add(next(stream));
    }
    assertConsecutive(0, got);
    assertEquals(
        page.events().stream().map(Event::name).toList(), got.stream().map(Event::name).toList());
    assertEquals(Optional.of(newChain), stream.stream().chainId());
  }
}
