package network.tos.ai.wallet;

import static org.junit.jupiter.api.Assertions.assertEquals;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * A standing check of the class "what we sign is not what the node hashes": random JSON values
 * (astral keys, control characters, big integers, doubles of every exponent), canonicalised here
 * and by the node's own rule, Python's {@code json.dumps(sort_keys=True, separators=(",", ":"),
 * ensure_ascii=False)}, must be the same text. Seeded and bounded (2,000 values, about a second).
 */
class CanonicalJsonAgainstPythonTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final String ALPHABET =
      "aB9 \"\\/\n\t\u0000\u001f\u007f\u00e9\u2028\uff61\ud83d\ude00\u6570";
  private static final String PYTHON =
      "import json, sys\n"
          + "for line in sys.stdin:\n"
          + "    print(json.dumps(json.loads(line), sort_keys=True, separators=(',', ':'),"
          + " ensure_ascii=False))\n";

  @Test
  void random_values_canonicalise_as_python_writes_them() throws Exception {
    String python = findPython();
    SplittableRandom random = new SplittableRandom(20261201);
    ObjectMapper mapper = new ObjectMapper();
    List<String> inputs = new ArrayList<>();
    List<String> ours = new ArrayList<>();
    for (int i = 0; i < 2000; i++) {
      JsonNode value = value(random, 0);
      inputs.add(mapper.writeValueAsString(value));
      ours.add(CanonicalJson.write(CanonicalJson.parse(inputs.get(i))));
    }
    ProcessBuilder builder = new ProcessBuilder(python, "-c", PYTHON);
    builder.environment().put("PYTHONIOENCODING", "utf-8");
    builder.redirectError(ProcessBuilder.Redirect.INHERIT);
    Process process = builder.start();
    Thread writer =
        new Thread(
            () -> {
              try (OutputStream in = process.getOutputStream()) {
                for (String input : inputs) {
                  in.write((input + "\n").getBytes(StandardCharsets.UTF_8));
                }
              } catch (IOException e) {
                throw new IllegalStateException(e);
              }
            });
    writer.start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    writer.join();
    process.waitFor(30, TimeUnit.SECONDS);
    List<String> theirs = output.lines().toList();
    assertEquals(inputs.size(), theirs.size());
    for (int i = 0; i < inputs.size(); i++) {
      assertEquals(theirs.get(i), ours.get(i), "input " + inputs.get(i));
    }
  }

  private static String findPython() {
    for (String candidate : List.of("python3", "python")) {
      for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
        if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, candidate))) {
          return Path.of(dir, candidate).toString();
        }
      }
    }
    Assumptions.abort("no python3 on PATH to compare canonical JSON with");
    return null;
  }

  private static JsonNode value(SplittableRandom random, int depth) {
    int kind = random.nextInt(depth >= 3 ? 6 : 8);
    return switch (kind) {
      case 0 -> NODES.textNode(text(random));
      case 1 -> NODES.numberNode(random.nextLong());
      case 2 ->
          NODES.numberNode(new BigInteger(70, new java.util.Random(random.nextLong())).negate());
      case 3 -> NODES.numberNode(aDouble(random));
      case 4 -> NODES.booleanNode(random.nextBoolean());
      case 5 -> NODES.nullNode();
      case 6 -> {
        ArrayNode array = NODES.arrayNode();
        for (int i = random.nextInt(4); i > 0; i--) {
          array.add(value(random, depth + 1));
        }
        yield array;
      }
      default -> {
        ObjectNode object = NODES.objectNode();
        for (int i = random.nextInt(5); i > 0; i--) {
          object.set(text(random), value(random, depth + 1));
        }
        yield object;
      }
    };
  }

  private static double aDouble(SplittableRandom random) {
    while (true) {
      double value =
          random.nextBoolean()
              ? Double.longBitsToDouble(random.nextLong())
              : Math.round(random.nextDouble() * 1e6) / Math.pow(10, random.nextInt(12));
      if (!Double.isNaN(value) && !Double.isInfinite(value)) {
        return value;
      }
    }
  }

  private static String text(SplittableRandom random) {
    StringBuilder out = new StringBuilder();
    int[] points = ALPHABET.codePoints().toArray();
    for (int i = random.nextInt(6); i > 0; i--) {
      out.appendCodePoint(points[random.nextInt(points.length)]);
    }
    return out.toString();
  }
}
