package network.tos.ai.mining;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import network.tos.ai.Conformance;
import network.tos.ai.RetryPolicy;
import network.tos.ai.TosClient;
import network.tos.ai.model.Difficulty;
import network.tos.ai.wallet.Wallet;
import org.junit.jupiter.api.Test;

/** The auto-miner takes its stake range and which tasks it may join from the node's rules. */
class AutoMinerRulesTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** A scripted node for one scan: its rules (null: no ai_get_rules), tasks and the reputation. */
  private static final class ScriptedNode {
    final JsonNode rules;
    final List<ObjectNode> tasks;
    final int reputation;
    final Map<String, BigInteger> stakes = new LinkedHashMap<>();
    final AtomicInteger rulesAsked = new AtomicInteger();

    ScriptedNode(JsonNode rules, List<ObjectNode> tasks, int reputation) {
      this.rules = rules;
      this.tasks = tasks;
      this.reputation = reputation;
    }

    JsonNode answer(JsonNode request) {
      JsonNode params = request.path("params");
      return switch (request.get("method").asText()) {
        case "ai_get_rules" -> {
          rulesAsked.incrementAndGet();
          yield rules;
        }
        case "get_info" ->
            JSON.valueToTree(
                Map.of(
                    "height",
                    1,
                    "topoheight",
                    1,
                    "version",
                    "fake/1",
                    "network",
                    "devnet",
                    "timestamp",
                    1,
                    "time_offset",
                    0,
                    "block_time",
                    1.0,
                    "head_seq",
                    0,
                    "chain_id",
                    "00000000000000aa",
                    "require_signatures",
                    false));
        case "get_nonce" ->
            JSON.valueToTree(
                Map.of("address", params.get("address").asText(), "nonce", 0, "topoheight", 1));
        case "ai_get_miner_stats" ->
            JSON.valueToTree(
                Map.ofEntries(
                    Map.entry("miner_address", params.get("miner_address").asText()),
                    Map.entry("is_registered", true),
                    Map.entry("reputation", reputation),
                    Map.entry("tasks_published", 0),
                    Map.entry("tasks_participated", 0),
                    Map.entry("submissions", 0),
                    Map.entry("wins", 0),
                    Map.entry("validations", 0),
                    Map.entry("total_earnings", "0"),
                    Map.entry("current_stake", "0"),
                    Map.entry("balance", "0"),
                    Map.entry("specializations", List.of())));
        case "ai_list_active_tasks" -> {
          String level = params.path("filters").path("difficulty_level").asText();
          ArrayNode page = JSON.createArrayNode();
          if (params.path("offset").asInt(0) == 0) {
            tasks.stream()
                .filter(task -> task.get("difficulty_level").asText().equals(level))
                .forEach(page::add);
          }
          yield page;
        }
        case "ai_participate_task" -> {
          String taskId = params.get("task_id").asText();
          synchronized (stakes) {
            stakes.put(taskId, new BigInteger(params.get("stake_amount").asText()));
          }
          yield JSON.valueToTree(
              Map.of(
                  "participation_id", "cd".repeat(32),
                  "task_id", taskId,
                  "stake_amount", params.get("stake_amount").asText()));
        }
        default -> null;
      };
    }

    /** Runs the miner until its first scan; the stakes it offered, by task. */
    Map<String, BigInteger> scan() throws IOException, InterruptedException {
      HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
      server.createContext(
          "/",
          exchange -> {
            JsonNode request = JSON.readTree(exchange.getRequestBody());
            JsonNode result = answer(request);
            ObjectNode reply = JSON.createObjectNode().put("jsonrpc", "2.0");
            reply.set("id", request.get("id"));
            if (result == null) {
              reply.putObject("error").put("code", -32601).put("message", "method not found");
            } else {
              reply.set("result", result);
            }
            byte[] body = JSON.writeValueAsBytes(reply);
            exchange.sendResponseHeaders(200, body.length);
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
            AutoMiningConfig.builder(Difficulty.BEGINNER, Difficulty.INTERMEDIATE)
                .useEvents(false)
                .autoSubmitSolutions(false)
                .maxConcurrentTasks(5)
                .minTimeLeft(Duration.ZERO)
                .build();
        AutoMiner miner =
            AutoMiner.start(client, client.account(Wallet.generate()), config, task -> null);
        assertTrue(miner.awaitScans(1, Duration.ofSeconds(10)), miner.report().errors().toString());
        miner.stop();
        assertEquals(List.of(), miner.report().errors());
      } finally {
        server.stop(0);
      }
      synchronized (stakes) {
        return new LinkedHashMap<>(stakes);
      }
    }
  }

  private static ObjectNode task(int number, String level, long reward) {
    ObjectNode task = JSON.createObjectNode();
    task.put("task_id", String.format("%064x", number))
        .put("title", "t")
        .put("task_type", "GeneralTask")
        .put("difficulty_level", level)
        .put("reward_amount", Long.toString(reward))
        .put("stake_required", "0")
        .put("deadline", 1L << 40)
        .put("time_left", 86_400)
        .put("participants_count", 0)
        .put("max_participants", 5)
        .put("submissions_count", 0)
        .put("publisher", Wallet.generate().address())
        .put("status", "Published");
    return task;
  }

  private static ObjectNode publishedRules() {
    return Conformance.vectors("rules").get("rules").deepCopy();
  }

  @Test
  void it_stakes_within_the_range_of_the_nodes_stake_divisors() throws Exception {
    ObjectNode rules = publishedRules();
    rules.putObject("stake").put("min_divisor", 4).put("max_divisor", 3);
    ScriptedNode node = new ScriptedNode(rules, List.of(task(1, "Beginner", 6_000_000_000L)), 500);
    Map<String, BigInteger> stakes = node.scan();
    assertEquals(Map.of(String.format("%064x", 1), BigInteger.valueOf(1_500_000_000L)), stakes);
    assertEquals(1, node.rulesAsked.get());
  }

  @Test
  void it_skips_a_level_its_reputation_may_not_join_by_the_nodes_rules() throws Exception {
    List<ObjectNode> tasks =
        List.of(task(1, "Beginner", 6_000_000_000L), task(2, "Intermediate", 20_000_000_000L));
    assertEquals(
        List.of(String.format("%064x", 1)),
        new ArrayList<>(new ScriptedNode(publishedRules(), tasks, 250).scan().keySet()));
    ObjectNode lenient = publishedRules();
    ((ObjectNode) lenient.get("difficulty_levels").get(1).get("min_reputation"))
        .put("participate", 200);
    assertEquals(2, new ScriptedNode(lenient, tasks, 250).scan().size());
  }

  @Test
  void without_ai_get_rules_it_keeps_the_clients_own_rules() throws Exception {
    ScriptedNode node = new ScriptedNode(null, List.of(task(1, "Beginner", 6_000_000_000L)), 500);
    assertEquals(Map.of(String.format("%064x", 1), BigInteger.valueOf(600_000_000L)), node.scan());
  }
}
