package network.tos.ai.model;

import java.math.BigInteger;
import java.util.Optional;

/**
 * A funded dev account ({@code dev_accounts}, dev mode only), with its private key unless the node
 * requires signatures (it then never serves one).
 */
public record DevAccount(
    int index, String address, Optional<String> privateKey, BigInteger balance) {

  /** The account's wallet, when the node served its key (dev accounts' keys are public). */
  public Optional<network.tos.ai.wallet.Wallet> wallet() {
    return privateKey.map(network.tos.ai.wallet.Wallet::fromPrivateKey);
  }

  @Override
  public String toString() {
    return "DevAccount[index=" + index + ", address=" + address + ", balance=" + balance + "]";
  }
}
