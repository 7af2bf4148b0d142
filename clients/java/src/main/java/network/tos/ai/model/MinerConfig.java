package network.tos.ai.model;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.math.BigInteger;
import java.util.List;

/**
 * A miner's registration: its specializations and the fee (at least 10 TOS; the node's default when
 * null).
 */
public record MinerConfig(List<String> specializations, BigInteger registrationFee) {
  public MinerConfig {
    specializations = specializations == null ? List.of() : List.copyOf(specializations);
    if (registrationFee != null) {
      Amounts.check("miner_config.registration_fee", registrationFee);
    }
  }

  /** The node's defaults: no specializations, the minimum fee. */
  public static MinerConfig defaults() {
    return new MinerConfig(List.of(), null);
  }

  /** The {@code miner_config} object. */
  public ObjectNode toJson() {
    ObjectNode node = JsonNodeFactory.instance.objectNode();
    if (!specializations.isEmpty()) {
      ArrayNode list = node.putArray("specializations");
      specializations.forEach(list::add);
    }
    if (registrationFee != null) {
      node.put("registration_fee", registrationFee.toString());
    }
    return node;
  }
}
