// Node events over the WebSocket at /ai/ws, delivered to callbacks in seq order. After any disconnect
// (a node restart, a dropped slow consumer) the stream reconnects by itself and resubscribes from the
// last seq it delivered, so no event is skipped or repeated. When the node's chain was reset (the
// subscribe reply names another chain id) it says so instead of silently going on.
//
//   auto stream = client.subscribe({.on_event = [](const tos_ai::Event& e) { ... }});
//   ...
//   stream.stop();  // or let it go out of scope
#pragma once

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tos_ai/errors.hpp"
#include "tos_ai/records.hpp"

namespace tos_ai {

namespace detail {
class ClientCore;
}

// The node's chain changed under a stream: its events from `last_seq` on are another chain's.
struct ChainReset {
  std::string old_chain_id{};
  std::string new_chain_id{};
  std::uint64_t last_seq = 0;      // the last event delivered from the old chain
  std::uint64_t new_head_seq = 0;  // the new chain's newest event
};

// What a stream does after a chain reset.
enum class ChainResetAction {
  stop,              // stop, and hand on_error a ChainResetError
  follow_new_chain,  // go on with the new chain's events from its seq 1
};

// Thrown to on_error when a stream stops at a chain reset.
class ChainResetError : public Error {
 public:
  explicit ChainResetError(ChainReset reset);
  [[nodiscard]] const ChainReset& reset() const noexcept { return reset_; }

 private:
  ChainReset reset_;
};

// The node no longer keeps the events after the cursor: reload state with reads, then follow along.
struct ResyncRequired {
  std::uint64_t oldest_seq = 0;
  std::uint64_t head_seq = 0;
};

struct EventStreamOptions {
  std::vector<std::string> events{};         // names to receive; empty means every event ("*")
  std::optional<std::uint64_t> since_seq{};  // deliver the kept events after this one first; none: live only
  std::optional<std::string> chain_id{};     // the chain since_seq belongs to (default: the first reply's)

  // Called on the stream's own thread, one call at a time. An exception from on_event stops the stream
  // and goes to on_error; the event is then not counted as delivered.
  std::function<void(const Event&)> on_event{};
  std::function<ChainResetAction(const ChainReset&)> on_chain_reset{};  // default: stop
  std::function<void(const ResyncRequired&)> on_resync_required{};
  // Each (re)subscription: the node's head seq and chain id.
  std::function<void(std::uint64_t head_seq, const std::string& chain_id)> on_subscribed{};
  // Disconnects (the stream keeps trying) and the error that stopped it, if one did.
  std::function<void(std::exception_ptr error, bool stopped)> on_error{};

  std::chrono::milliseconds connect_timeout{3'000};
  std::chrono::milliseconds reconnect_delay{50};         // first wait after a disconnect, doubled up to
  std::chrono::milliseconds max_reconnect_delay{1'000};  // this (each wait jittered)
  std::chrono::seconds idle_timeout{20};                 // ping a silent node; reconnect if it does not answer
};

class EventStream {
 public:
  EventStream(std::shared_ptr<detail::ClientCore> core, EventStreamOptions options);
  EventStream(EventStream&&) noexcept;
  EventStream& operator=(EventStream&&) noexcept;
  ~EventStream();  // stop()

  // Stops and waits for the stream's thread; no callback runs after it returns. Idempotent.
  void stop();
  // Waits until the stream stopped by itself (an error or a chain reset), or the timeout passed.
  bool wait_stopped(std::chrono::milliseconds timeout) const;

  [[nodiscard]] bool running() const noexcept;
  // The seq of the last event delivered (or the head when subscribed live); 0 before any.
  [[nodiscard]] std::uint64_t cursor() const noexcept;
  [[nodiscard]] std::string chain_id() const;
  [[nodiscard]] std::uint64_t subscriptions() const noexcept;  // 1 + reconnects

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tos_ai
