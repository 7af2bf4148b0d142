// Prints the node's events as they happen (the last 5 first), resuming by itself after any disconnect.
//   ./build/examples/watch_events [seconds]     (default 10; 0 runs until Ctrl-C)
#include <tos_ai/tos_ai.hpp>

#include <csignal>
#include <cstdlib>
#include <iostream>
#include <thread>

namespace {
volatile std::sig_atomic_t interrupted = 0;
}

int main(int argc, char** argv) try {
  const char* url = std::getenv("TOS_NODE_URL");
  tos_ai::Client client(url ? url : "http://127.0.0.1:8545");
  const int seconds = argc > 1 ? std::atoi(argv[1]) : 10;
  std::signal(SIGINT, [](int) { interrupted = 1; });

  auto info = client.get_info();
  auto stream = client.subscribe({
      .since_seq = info.head_seq > 5 ? info.head_seq - 5 : 0,
      .chain_id = info.chain_id,
      .on_event =
          [](const tos_ai::Event& event) {  // on the stream's own thread, one at a time
            std::cout << event.seq << " " << event.name << " " << event.data.dump() << std::endl;
          },
      .on_chain_reset =
          [](const tos_ai::ChainReset& reset) {
            std::cout << "the node's chain was reset (" << reset.old_chain_id << " -> " << reset.new_chain_id
                      << "): following the new chain from its first event" << std::endl;
            return tos_ai::ChainResetAction::follow_new_chain;
          },
      .on_error =
          [](std::exception_ptr error, bool stopped) {
            try {
              std::rethrow_exception(error);
            } catch (const std::exception& e) {
              std::cerr << (stopped ? "stopped: " : "reconnecting after: ") << e.what() << std::endl;
            }
          },
  });
  for (int tenth = 0; !interrupted && (seconds == 0 || tenth < seconds * 10) && stream.running(); ++tenth) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  stream.stop();
  std::cout << "stopped at seq " << stream.cursor() << "\n";
  return 0;
} catch (const tos_ai::Error& error) {
  std::cerr << "watch_events: " << error.what() << "\n";
  return 1;
}
