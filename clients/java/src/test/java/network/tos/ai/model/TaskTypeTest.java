package network.tos.ai.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import network.tos.ai.Conformance;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class TaskTypeTest {
  @TestFactory
  Stream<DynamicTest> every_task_type_vector_normalizes_or_is_refused_naming_the_nodes_field() {
    JsonNode vectors = Conformance.vectors("task_types");
    List<DynamicTest> tests = new ArrayList<>();
    for (JsonNode c : vectors.get("cases")) {
      tests.add(
          DynamicTest.dynamicTest(
              c.get("name").asText(),
              () -> {
                if (c.get("valid").asBoolean()) {
                  assertEquals(c.get("normalized"), TaskType.parse(c.get("input")).toJson());
                } else {
                  InvalidInputException error =
                      assertThrows(
                          InvalidInputException.class, () -> TaskType.parse(c.get("input")));
                  assertEquals(c.get("field").asText(), error.field());
                  assertEquals(-32602, c.get("code").asInt());
                }
              }));
    }
    for (JsonNode c : vectors.get("rest_flat")) {
      tests.add(
          DynamicTest.dynamicTest(
              "rest flat " + c.get("body"),
              () -> {
                JsonNode body = c.get("body");
                String variant = body.get("task_type").asText();
                String key = TaskType.DETAIL_KEYS.get(variant);
                TaskType type =
                    body.has(key)
                        ? new TaskType(variant, java.util.Optional.of(body.get(key).asText()))
                        : TaskType.of(variant);
                assertEquals(c.get("task_type"), type.toJson());
                assertEquals(c.get("default_title").asText(), type.defaultTitle());
              }));
    }
    return tests.stream();
  }

  @Test
  void every_variant_has_the_detail_key_the_vectors_name() {
    JsonNode keys = Conformance.vectors("task_types").get("detail_keys");
    assertEquals(keys.size(), TaskType.DETAIL_KEYS.size());
    keys.properties()
        .forEach(
            entry ->
                assertEquals(entry.getValue().asText(), TaskType.DETAIL_KEYS.get(entry.getKey())));
  }

  @Test
  void a_complexity_out_of_range_is_refused_when_built_in_code_too() {
    assertThrows(InvalidInputException.class, () -> TaskType.logicReasoning(11));
    assertEquals(
        "{\"LogicReasoning\":{\"complexity\":3}}", TaskType.logicReasoning(3).toJson().toString());
  }
}
