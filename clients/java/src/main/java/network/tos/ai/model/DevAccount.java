package network.tos.ai.model;

import java.math.BigInteger;

/** A funded dev account with its private key ({@code dev_accounts}, dev mode only). */
public record DevAccount(int index, String address, String privateKey, BigInteger balance) {

  /** The account's wallet (dev accounts' keys are public). */
  public network.tos.ai.wallet.Wallet wallet() {
    return network.tos.ai.wallet.Wallet.fromPrivateKey(privateKey);
  }

  @Override
  public String toString() {
    return "DevAccount[index=" + index + ", address=" + address + ", balance=" + balance + "]";
  }
}
