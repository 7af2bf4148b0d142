package network.tos.ai;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import network.tos.ai.error.InvalidParamsException;
import network.tos.ai.model.Amounts;
import network.tos.ai.wallet.Wallet;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

/** The rules the client checks offline agree with the ones the node publishes. */
@NeedsNode
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NodeRulesTest {
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

  @Test
  void the_amount_ceiling_is_the_maximum_of_the_nodes_openrpc_amount_schema() {
    JsonNode faucet = null;
    for (JsonNode method : client.rpcDiscover().get("methods")) {
      if (method.get("name").asText().equals("dev_faucet")) {
        faucet = method;
      }
    }
    JsonNode amount = null;
    for (JsonNode param : faucet.get("params")) {
      if (param.get("name").asText().equals("amount")) {
        amount = param.get("schema");
      }
    }
    BigInteger maximum = null;
    for (JsonNode choice : amount.get("oneOf")) {
      if (choice.has("maximum")) {
        maximum = choice.get("maximum").bigIntegerValue();
      }
    }
    assertEquals(Amounts.MAX_SUPPLY, maximum);
  }

  @Test
  void the_node_refuses_past_the_ceiling_what_the_client_refuses_before_sending() {
    String address = Wallet.generate().address();
    JsonNode params =
        com.fasterxml.jackson.databind.node.JsonNodeFactory.instance
            .objectNode()
            .put("address", address)
            .put("amount", Amounts.MAX_SUPPLY.add(BigInteger.ONE).toString());
    InvalidParamsException error =
        assertThrows(InvalidParamsException.class, () -> client.call("dev_faucet", params));
    assertEquals("max_supply", error.rule().orElseThrow());
    assertThrows(
        IllegalArgumentException.class,
        () -> client.devFaucet(address, Amounts.MAX_SUPPLY.add(BigInteger.ONE)));
  }

  @Test
  void the_mining_state_pages_its_tasks_and_dev_accounts_come_with_their_keys() {
    var first = client.getAiMiningState(1, 0);
    assertTrue(first.tasks().size() <= 1);
    var all = client.getAiMiningState();
    if (all.tasks().size() > 1) {
      assertEquals(1, first.nextOffset().orElseThrow());
    }
    assertTrue(all.miners().size() >= 10);
    var accounts = client.devAccounts();
    assertEquals(10, accounts.size());
    assertEquals(accounts.get(0).address(), accounts.get(0).wallet().orElseThrow().address());
  }
}
