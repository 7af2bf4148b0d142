package network.tos.ai.wallet;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.stream.Stream;
import network.tos.ai.Conformance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class CanonicalJsonTest {
  @TestFactory
  Stream<DynamicTest> every_canonical_json_vector_writes_the_exact_bytes() {
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode testCase : Conformance.vectors("canonical_json").get("cases")) {
      tests.add(
          DynamicTest.dynamicTest(
              testCase.get("name").asText(),
              () -> {
                JsonNode parsed = CanonicalJson.parse(testCase.get("input").asText());
                assertArrayEquals(
                    testCase.get("canonical").asText().getBytes(StandardCharsets.UTF_8),
                    CanonicalJson.bytes(parsed));
              }));
    }
    return tests.stream();
  }

  @Test
  void doubles_are_written_as_python_repr_writes_them() {
    assertEquals("0.67", CanonicalJson.formatDouble(0.67));
    assertEquals("1.0", CanonicalJson.formatDouble(1.0));
    assertEquals("-0.0", CanonicalJson.formatDouble(-0.0));
    assertEquals("1e+16", CanonicalJson.formatDouble(1e16));
    assertEquals("1000000000000000.0", CanonicalJson.formatDouble(1e15));
    assertEquals("0.0001", CanonicalJson.formatDouble(0.0001));
    assertEquals("1e-05", CanonicalJson.formatDouble(0.00001));
    assertEquals("1.5e-07", CanonicalJson.formatDouble(1.5e-7));
    assertEquals("1e+100", CanonicalJson.formatDouble(1e100));
    assertEquals("5e-324", CanonicalJson.formatDouble(Double.MIN_VALUE));
    assertEquals("1.7976931348623157e+308", CanonicalJson.formatDouble(Double.MAX_VALUE));
    assertEquals("0.30000000000000004", CanonicalJson.formatDouble(0.1 + 0.2));
    assertEquals("2e+23", CanonicalJson.formatDouble(2e23));
    assertEquals("9007199254740992.0", CanonicalJson.formatDouble(9007199254740992.0));
    assertEquals("1.2345678901234568e+17", CanonicalJson.formatDouble(123456789012345680.0));
  }

  @Test
  void any_double_reads_back_to_itself_and_is_no_longer_than_the_jdk_shortest_form() {
    // A bounded property check: random bit patterns over every exponent.
    SplittableRandom random = new SplittableRandom(20261201);
    for (int i = 0; i < 2_000; i++) {
      double value = Double.longBitsToDouble(random.nextLong());
      if (Double.isNaN(value) || Double.isInfinite(value)) {
        continue;
      }
      String text = CanonicalJson.formatDouble(value);
      assertEquals(value, Double.parseDouble(text), text);
      String digits = text.replaceFirst("^-", "").replaceFirst("e.*$", "").replace(".", "");
      digits = digits.replaceFirst("^0+", "").replaceFirst("0+$", "");
      String jdk = Double.toString(Math.abs(value)).replaceFirst("E.*$", "").replace(".", "");
      jdk = jdk.replaceFirst("^0+", "").replaceFirst("0+$", "");
      if (digits.length() > jdk.length()) {
        throw new AssertionError(value + ": " + text + " is longer than the JDK's " + jdk);
      }
    }
  }

  @Test
  void keys_sort_by_code_point_not_utf16_unit() {
    assertEquals(
        -1, Integer.signum(CanonicalJson.CODE_POINT_ORDER.compare("\uff61", "\ud83d\ude00")));
    assertEquals(1, Integer.signum("\uff61".compareTo("\ud83d\ude00")));
  }

  @Test
  void a_lone_surrogate_is_refused_rather_than_signed_as_a_question_mark() {
    JsonNode value = JsonNodeFactory.instance.textNode("a\ud800b");
    assertThrows(IllegalArgumentException.class, () -> CanonicalJson.write(value));
  }
}
