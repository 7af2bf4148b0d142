package network.tos.ai.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import network.tos.ai.Conformance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class AmountsTest {
  @TestFactory
  Stream<DynamicTest> every_amount_vector_is_read_as_the_node_reads_it() {
    JsonNode vectors = Conformance.vectors("amounts");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : vectors.get("atomic")) {
      tests.add(
          DynamicTest.dynamicTest(
              "atomic " + c.get("input"),
              () -> {
                if (c.get("valid").asBoolean()) {
                  assertEquals(
                      new BigInteger(c.get("atomic").asText()), Amounts.parse(c.get("input")));
                } else {
                  InvalidInputException error =
                      assertThrows(
                          InvalidInputException.class, () -> Amounts.parse(c.get("input")));
                  assertEquals("amount: " + c.get("reason").asText(), error.getMessage());
                }
              }));
    }
    for (JsonNode c : vectors.get("tos_to_atomic")) {
      tests.add(
          DynamicTest.dynamicTest(
              "tos " + c.get("tos"),
              () -> {
                if (c.get("atomic").isNull()) {
                  assertThrows(
                      IllegalArgumentException.class, () -> Amounts.fromTos(c.get("tos").asText()));
                } else {
                  assertEquals(
                      new BigInteger(c.get("atomic").asText()),
                      Amounts.fromTos(c.get("tos").asText()));
                }
              }));
    }
    for (JsonNode c : vectors.get("format")) {
      tests.add(
          DynamicTest.dynamicTest(
              "format " + c.get("atomic"),
              () ->
                  assertEquals(
                      c.get("text").asText(),
                      Amounts.format(new BigInteger(c.get("atomic").asText())))));
    }
    return tests.stream();
  }

  @Test
  void formatting_and_reading_back_a_tos_figure_round_trips() {
    SplittableRandom random = new SplittableRandom(18);
    for (int i = 0; i < 10_000; i++) {
      BigInteger atomic = new BigInteger(64, new java.util.Random(random.nextLong()));
      String text = Amounts.format(atomic);
      assertEquals(atomic, Amounts.fromTos(text.substring(0, text.length() - " TOS".length())));
    }
  }
}
