// Links every part of the installed library (wallet, signing, client, events, mining) without a node.
#include <tos_ai/tos_ai.hpp>

#include <iostream>

int main() {
  auto wallet = tos_ai::Wallet::from_seed_hex("0101010101010101010101010101010101010101010101010101010101010101");
  tos_ai::Client client("http://127.0.0.1:1");  // nothing is sent
  tos_ai::AutoMiningConfig config;
  config.check();
  std::cout << wallet.address() << ' ' << tos_ai::format_tos(150'000'000) << ' '
            << tos_ai::canonical_json({{"b", 1}, {"a", 0.67}}) << '\n';
  return wallet.address() == "tst132yw8ht5p8cetl2jmvknewjawt9xwzdlrk2pyxlnwjyqrdq0dawqqlyxgh" ? 0 : 1;
}
