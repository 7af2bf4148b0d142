package network.tos.ai.wallet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Stream;
import network.tos.ai.Conformance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class WalletTest {
  @TestFactory
  Stream<DynamicTest> every_signing_vector_signs_exactly_as_the_node_checks() {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : Conformance.vectors("signing").get("cases")) {
      tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> checkSigningCase(c)));
    }
    return tests.stream();
  }

  private static void checkSigningCase(JsonNode c) {
    Wallet wallet = Wallet.fromPrivateKey(c.get("private_key").asText());
    assertEquals(c.get("public_key").asText(), wallet.publicKeyHex());
    assertEquals(c.get("address").asText(), wallet.address());
    String method = c.get("method").asText();
    JsonNode params = CanonicalJson.parse(c.get("params").asText());
    long nonce = c.get("nonce").asLong();
    String chain = c.get("chain_id").asText();
    String network = c.get("network").asText();
    byte[] payload = Wallet.signingPayload(method, params, nonce, chain, network);
    assertEquals(c.get("signed_bytes").asText(), new String(payload, StandardCharsets.UTF_8));
    Wallet.Auth auth = wallet.signRequest(method, params, nonce, chain, network);
    assertEquals(c.get("signature").asText(), auth.signature());
    assertEquals(CanonicalJson.write(c.get("auth")), CanonicalJson.write(auth.toJson()));
    assertTrue(Wallet.verify(wallet.publicKey(), payload, auth.signature()));
    // Changing anything the signature covers breaks it.
    ObjectNode changed = ((ObjectNode) params).deepCopy();
    changed.put("extra", 1);
    for (byte[] other :
        List.of(
            Wallet.signingPayload(method + "x", params, nonce, chain, network),
            Wallet.signingPayload(method, params, nonce + 1, chain, network),
            Wallet.signingPayload(method, params, nonce, "0000000000000000", network),
            Wallet.signingPayload(method, params, nonce, chain, "mainnet"),
            Wallet.signingPayload(method, changed, nonce, chain, network))) {
      assertFalse(Wallet.verify(wallet.publicKey(), other, auth.signature()));
    }
  }

  @Test
  void auth_in_the_params_is_left_out_of_what_is_signed() {
    JsonNode params = CanonicalJson.parse("{\"task_id\":\"ab\",\"auth\":{\"nonce\":3}}");
    JsonNode bare = CanonicalJson.parse("{\"task_id\":\"ab\"}");
    assertArrayEquals(
        Wallet.signingPayload("ai_cancel_task", bare, 0, "c", "devnet"),
        Wallet.signingPayload("ai_cancel_task", params, 0, "c", "devnet"));
  }

  @Test
  void a_generated_wallet_round_trips_through_its_private_key() {
    Wallet wallet = Wallet.generate();
    Wallet again = Wallet.fromPrivateKey(wallet.exportPrivateKey());
    assertEquals(wallet.address(), again.address());
    assertEquals(wallet, again);
    assertNotEquals(wallet.address(), Wallet.generate().address());
    assertArrayEquals(wallet.publicKey(), Bech32.decodeAddress(wallet.address(), "tst"));
    assertFalse(wallet.toString().contains(wallet.exportPrivateKey()));
  }

  @Test
  void dev_account_zero_has_the_documented_address() {
    Wallet dev0 =
        Wallet.fromPrivateKey("299e8138dda4d5de770e8e79cd0463f0c38a95039db6b15b31fa9e1acd82517d");
    assertEquals("tst1laxccncjn2gs3a7k9d9fk0r6p4p25wml7p43g83ukft3ey594uhqktzk40", dev0.address());
  }

  @Test
  void a_private_key_of_the_wrong_length_is_refused() {
    assertThrows(IllegalArgumentException.class, () -> Wallet.fromPrivateKey("abcd"));
    assertThrows(
        IllegalArgumentException.class,
        () -> Wallet.fromSeed(HexFormat.of().parseHex("00"), "tst"));
  }

  @TestFactory
  Stream<DynamicTest> every_address_vector_is_accepted_or_refused_for_the_nodes_reason() {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : Conformance.vectors("addresses").get("cases")) {
      tests.add(
          DynamicTest.dynamicTest(
              c.get("name").asText(),
              () -> {
                String address = c.get("address").asText();
                if (c.get("valid").asBoolean()) {
                  assertEquals(c.get("normalized").asText(), Bech32.normalize(address, "tst"));
                  assertEquals(
                      c.get("public_key").asText(),
                      HexFormat.of().formatHex(Bech32.decodeAddress(address, "tst")));
                } else {
                  AddressException error =
                      assertThrows(
                          AddressException.class, () -> Bech32.decodeAddress(address, "tst"));
                  assertEquals(c.get("reason").asText(), error.getMessage());
                }
              }));
    }
    return tests.stream();
  }
}
