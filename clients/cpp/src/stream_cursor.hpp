// The event stream's bookkeeping, apart from its sockets: where to resume, which events to deliver,
// drop or fill in, and when the node's chain changed. EventStream drives it; a property test drives it
// through random reconnects, replays, gaps and chain resets.
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>

#include "tos_ai/events.hpp"

namespace tos_ai::detail {

class StreamCursor {
 public:
  StreamCursor(bool all_events, std::optional<std::uint64_t> since_seq, std::optional<std::string> chain_id)
      : all_events_(all_events),
        cursor_(since_seq.value_or(0)),
        have_cursor_(since_seq.has_value()),
        chain_(chain_id.value_or("")) {}

  // The since_seq of the next subscription: the last seq delivered (none: live events only).
  [[nodiscard]] std::optional<std::uint64_t> resume_from() const {
    return have_cursor_ ? std::optional(cursor_) : std::nullopt;
  }

  // A subscribe reply. Returns the reset when it names another chain than the cursor's; the caller
  // then either stops or calls follow().
  std::optional<ChainReset> on_subscribed(std::uint64_t head_seq, const std::string& chain_id) {
    if (!chain_.empty() && !chain_id.empty() && chain_id != chain_) {
      return ChainReset{chain_, chain_id, cursor_, head_seq};
    }
    if (!chain_id.empty()) chain_ = chain_id;
    if (!have_cursor_) {  // live only: a reconnect resumes after what was the head
      cursor_ = head_seq;
      have_cursor_ = true;
    }
    return std::nullopt;
  }

  // Go on with the new chain's events from its first (the caller resubscribes from resume_from()).
  void follow(const std::string& new_chain_id) {
    chain_ = new_chain_id;
    cursor_ = 0;
    have_cursor_ = true;
  }

  enum class Verdict {
    deliver,    // the next one
    duplicate,  // delivered before: drop it
    gap,        // events between the cursor and this one are missing: fetch them first
  };

  [[nodiscard]] Verdict classify(std::uint64_t seq) const {
    if (seq <= cursor_) return Verdict::duplicate;
    if (all_events_ && seq > cursor_ + 1) return Verdict::gap;
    return Verdict::deliver;
  }

  void delivered(std::uint64_t seq) { cursor_ = seq; }

  // Hands `event` to deliver(event) unless it was delivered before. With every event subscribed, a jump
  // in seq is filled first from fetch(after_seq, limit) -> EventsPage (the node's ai_get_events); what the
  // node no longer keeps goes to resync(ResyncRequired) instead. The cursor moves past an event only once
  // deliver() returned, so an event whose delivery threw is not counted as delivered.
  template <typename Fetch, typename Deliver, typename Resync>
  void accept(const Event& event, Fetch&& fetch, Deliver&& deliver, Resync&& resync) {
    if (classify(event.seq) == Verdict::duplicate) return;
    while (classify(event.seq) == Verdict::gap) {
      EventsPage page = fetch(cursor_, std::min<std::uint64_t>(event.seq - cursor_ - 1, 1000));
      bool progressed = false;
      for (const auto& missing : page.events) {
        if (page.resync_required || missing.seq != cursor_ + 1 || missing.seq >= event.seq) break;
        deliver(missing);
        cursor_ = missing.seq;
        progressed = true;
      }
      if (!progressed) {
        resync(ResyncRequired{page.oldest_seq, page.head_seq});
        cursor_ = event.seq - 1;
      }
    }
    deliver(event);
    cursor_ = event.seq;
  }

  // The node no longer keeps what follows the cursor; it goes on with live events after `head_seq`.
  void resync(std::uint64_t head_seq) {
    if (head_seq > cursor_) cursor_ = head_seq;
  }

  [[nodiscard]] std::uint64_t cursor() const noexcept { return cursor_; }
  [[nodiscard]] const std::string& chain_id() const noexcept { return chain_; }
  [[nodiscard]] bool all_events() const noexcept { return all_events_; }

 private:
  bool all_events_;
  std::uint64_t cursor_;
  bool have_cursor_;
  std::string chain_;
};

}  // namespace tos_ai::detail
