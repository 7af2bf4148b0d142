// The event stream's bookkeeping under random reconnects, replays that overlap, lost and repeated
// frames, a node that forgot old events, and chain resets: no event of a chain the stream follows is
// ever skipped or delivered twice, and every reset is reported once.
#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <random>

#include "stream_cursor.hpp"

namespace tos_ai {
namespace {

using detail::StreamCursor;

struct Chain {
  std::string id;
  std::uint64_t head = 0;
  std::uint64_t oldest = 1;  // the node keeps events from here on
};

Event event_of(std::uint64_t seq) {
  Event event;
  event.name = "task_published";
  event.seq = seq;
  event.data = {{"n", seq}};
  return event;
}

// One random run: a node whose log grows and is sometimes reset, a stream that reconnects often.
void run_once(std::mt19937_64& random) {
  auto chance = [&](int percent) { return static_cast<int>(random() % 100) < percent; };
  int chain_number = 0;
  Chain chain{"chain-0", random() % 20, 1};
  const bool from_start = chance(50);
  StreamCursor cursor(true, from_start ? std::optional<std::uint64_t>(0) : std::nullopt,
                      from_start ? std::optional(chain.id) : std::nullopt);
  std::map<std::string, std::vector<std::uint64_t>> delivered;
  int resets = 0;
  int reported = 0;
  bool resynced = false;

  auto fetch = [&](std::uint64_t after, std::uint64_t limit) {
    EventsPage page;
    page.head_seq = chain.head;
    page.oldest_seq = chain.oldest;
    page.chain_id = chain.id;
    page.resync_required = after + 1 < chain.oldest;
    for (auto seq = std::max(after + 1, chain.oldest); seq <= chain.head && page.events.size() < limit; ++seq) {
      page.events.push_back(event_of(seq));
    }
    return page;
  };
  auto deliver = [&](const Event& event) { delivered[chain.id].push_back(event.seq); };
  auto resync = [&](const ResyncRequired&) { resynced = true; };

  for (int connection = 0; connection < 12; ++connection) {
    // The node moves on while the stream is away: new events, sometimes a reset, sometimes forgetting.
    chain.head += random() % 8;
    if (chance(15)) {
      chain = Chain{"chain-" + std::to_string(++chain_number), random() % 6, 1};
      ++resets;
    }
    if (chance(10)) chain.oldest = std::max<std::uint64_t>(chain.oldest, chain.head / 2);

    // Subscribe from the cursor; a reset is said once, then followed from the new chain's seq 1.
    auto since = cursor.resume_from();
    if (auto reset = cursor.on_subscribed(chain.head, chain.id)) {
      ++reported;
      EXPECT_EQ(reset->new_chain_id, chain.id);
      cursor.follow(reset->new_chain_id);
      since = cursor.resume_from();
      ASSERT_TRUE(cursor.on_subscribed(chain.head, chain.id) == std::nullopt);
    }
    std::uint64_t start = since ? *since : chain.head;
    if (since && *since + 1 < chain.oldest) {  // the node sends resync_required instead of a replay
      cursor.resync(chain.head);
      resynced = true;
      start = chain.head;
    }
    // The replay, then live events, with frames lost or repeated now and then, until the line drops.
    const auto live = random() % 6;
    for (auto seq = start + 1; seq <= chain.head + live; ++seq) {
      if (seq > chain.head) chain.head = seq;  // a live event
      if (chance(10)) continue;                // a lost frame
      cursor.accept(event_of(seq), fetch, deliver, resync);
      if (chance(10)) {  // a repeat of this one or one just before it
        cursor.accept(event_of(std::max<std::uint64_t>(1, seq - std::min<std::uint64_t>(seq, random() % 3))), fetch,
                      deliver, resync);
      }
      if (chance(5)) break;  // the connection drops mid-stream
    }
  }
  // A last clean catch-up: the stream ends level with the node.
  if (auto reset = cursor.on_subscribed(chain.head, chain.id)) {
    ++reported;
    cursor.follow(reset->new_chain_id);
    ASSERT_TRUE(cursor.on_subscribed(chain.head, chain.id) == std::nullopt);
  }
  auto since = cursor.resume_from().value_or(chain.head);
  if (since + 1 < chain.oldest) {
    cursor.resync(chain.head);
    resynced = true;
    since = chain.head;
  }
  for (auto seq = since + 1; seq <= chain.head; ++seq) cursor.accept(event_of(seq), fetch, deliver, resync);

  EXPECT_EQ(cursor.cursor(), chain.head);
  EXPECT_EQ(cursor.chain_id(), chain.id);
  EXPECT_LE(reported, resets);  // a reset while nobody listened and another after it are one change
  for (const auto& [id, seqs] : delivered) {
    for (std::size_t i = 1; i < seqs.size(); ++i) {
      ASSERT_LT(seqs[i - 1], seqs[i]) << "repeated or out of order on " << id;
      if (!resynced) {
        ASSERT_EQ(seqs[i], seqs[i - 1] + 1) << "skipped on " << id;
      }
    }
  }
  if (!resynced && !delivered[chain.id].empty()) {
    EXPECT_EQ(delivered[chain.id].back(), chain.head);
  }
}

TEST(StreamCursorProperties, NoEventIsSkippedOrRepeatedAcrossReconnectsGapsAndResets) {
  std::mt19937_64 random(7);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(500);
  for (int run = 0; run < 3000 && std::chrono::steady_clock::now() < deadline; ++run) {
    SCOPED_TRACE(run);
    run_once(random);
    if (HasFatalFailure() || HasNonfatalFailure()) return;
  }
}

TEST(StreamCursor, ADeliveryThatThrowsIsNotCountedAndComesAgain) {
  StreamCursor cursor(true, 4, "c");
  auto none = [](std::uint64_t, std::uint64_t) { return EventsPage{}; };
  auto ignore = [](const ResyncRequired&) {};
  EXPECT_THROW(cursor.accept(
                   event_of(5), none, [](const Event&) { throw std::runtime_error("busy"); }, ignore),
               std::runtime_error);
  EXPECT_EQ(cursor.cursor(), 4u);
  std::vector<std::uint64_t> got;
  cursor.accept(
      event_of(5), none, [&](const Event& e) { got.push_back(e.seq); }, ignore);
  EXPECT_EQ(got, std::vector<std::uint64_t>{5});
}

TEST(StreamCursor, AFilteredStreamTakesJumpsInSeqAsTheFilterNotAsGaps) {
  StreamCursor cursor(false, 10, "c");
  EXPECT_EQ(cursor.classify(17), StreamCursor::Verdict::deliver);
  EXPECT_EQ(cursor.classify(10), StreamCursor::Verdict::duplicate);
}

TEST(StreamCursor, ALiveStreamResumesAfterTheHeadOfItsFirstSubscription) {
  StreamCursor cursor(true, std::nullopt, std::nullopt);
  EXPECT_EQ(cursor.resume_from(), std::nullopt);
  EXPECT_EQ(cursor.on_subscribed(42, "c"), std::nullopt);
  EXPECT_EQ(cursor.resume_from(), 42u);
  auto reset = cursor.on_subscribed(3, "d");
  ASSERT_TRUE(reset.has_value());
  EXPECT_EQ(reset->old_chain_id, "c");
  EXPECT_EQ(reset->last_seq, 42u);
  EXPECT_EQ(reset->new_head_seq, 3u);
}

}  // namespace
}  // namespace tos_ai
