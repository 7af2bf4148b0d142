// The event stream: Boost.Beast's WebSocket client, driven by asynchronous operations on an
// io_context that the stream's own thread runs, so stop() can interrupt any wait from another thread.
#include "tos_ai/events.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/websocket.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <random>
#include <thread>

#include "core.hpp"
#include "stream_cursor.hpp"

namespace tos_ai {

namespace beast = boost::beast;
namespace net = boost::asio;
namespace websocket = beast::websocket;
using tcp = net::ip::tcp;

ChainResetError::ChainResetError(ChainReset reset)
    : Error("the node's chain was reset: chain " + reset.old_chain_id + " (last event " +
            std::to_string(reset.last_seq) + ") is now chain " + reset.new_chain_id + " (head " +
            std::to_string(reset.new_head_seq) + ")"),
      reset_(std::move(reset)) {}

namespace {

struct WsEndpoint {
  std::string host;
  std::string port;
  std::string path;
};

WsEndpoint parse_ws_url(const std::string& url) {
  constexpr std::string_view scheme = "ws://";
  if (!url.starts_with(scheme)) {
    throw InputError("the event stream needs a ws:// URL (wss is not supported), got " + url);
  }
  std::string rest = url.substr(scheme.size());
  auto slash = rest.find('/');
  std::string authority = rest.substr(0, slash);
  std::string path = slash == std::string::npos ? "/" : rest.substr(slash);
  auto colon = authority.rfind(':');
  if (colon == std::string::npos) return {authority, "80", path};
  return {authority.substr(0, colon), authority.substr(colon + 1), path};
}

// Carries an exception thrown by a caller's callback past the stream's own error handling.
struct CallbackFailed {
  std::exception_ptr error;
};

template <typename Callback, typename... Args>
auto invoke_callback(const Callback& callback, Args&&... args) {
  try {
    return callback(std::forward<Args>(args)...);
  } catch (...) {
    throw CallbackFailed{std::current_exception()};
  }
}

}  // namespace

class EventStream::Impl {
 public:
  Impl(std::shared_ptr<detail::ClientCore> core, EventStreamOptions options)
      : core_(std::move(core)),
        options_(std::move(options)),
        endpoint_(parse_ws_url(core_->ws_url())),
        state_(options_.events.empty(), options_.since_seq, options_.chain_id),
        random_(std::random_device{}()) {
    if (!options_.on_event) throw InputError("EventStreamOptions::on_event is required");
    publish_state();
  }

  Impl(const Impl&) = delete;
  Impl& operator=(const Impl&) = delete;
  ~Impl() { stop(); }

  void start() {
    running_ = true;
    thread_ = std::thread([this] { run(); });
  }

  void stop() {
    stopping_ = true;
    ioc_.stop();
    if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  }

  bool wait_stopped(std::chrono::milliseconds timeout) const {
    std::unique_lock lock(state_lock_);
    return stopped_cv_.wait_for(lock, timeout, [this] { return !running_; });
  }

  bool running() const noexcept { return running_; }
  std::uint64_t cursor() const noexcept { return published_cursor_; }
  std::uint64_t subscriptions() const noexcept { return subscriptions_; }
  std::string chain_id() const {
    std::lock_guard lock(state_lock_);
    return chain_;
  }

 private:
  enum class After { read_on, reconnect, stopped };

  void run() {
    connect();
    ioc_.run();
    // Only this thread touches the connection; close it here, after the last handler ran.
    if (ws_) {
      beast::error_code ignored;
      beast::get_lowest_layer(*ws_).socket().close(ignored);
      ws_.reset();
    }
    {
      std::lock_guard lock(state_lock_);
      running_ = false;
    }
    stopped_cv_.notify_all();
  }

  // --- connecting

  void connect() {
    if (stopping_) return;
    ws_.emplace(ioc_);
    buffer_.clear();
    resolver_.async_resolve(endpoint_.host, endpoint_.port,
                            [this](beast::error_code ec, const tcp::resolver::results_type& results) {
                              if (ec) return retry_later(ec, "resolving the node's address");
                              on_resolved(results);
                            });
  }

  void on_resolved(const tcp::resolver::results_type& results) {
    auto& socket = beast::get_lowest_layer(*ws_);
    socket.expires_after(options_.connect_timeout);
    socket.async_connect(results, [this](beast::error_code ec, const tcp::endpoint&) {
      if (ec) return retry_later(ec, "connecting");
      on_connected();
    });
  }

  void on_connected() {
    beast::get_lowest_layer(*ws_).expires_never();  // the websocket's own timeouts take over
    websocket::stream_base::timeout timeouts{};
    timeouts.handshake_timeout = options_.connect_timeout;
    timeouts.idle_timeout = options_.idle_timeout;
    timeouts.keep_alive_pings = true;
    ws_->set_option(timeouts);
    ws_->set_option(websocket::stream_base::decorator(
        [](websocket::request_type& request) { request.set(beast::http::field::user_agent, "tos-ai-cpp/0.1"); }));
    ws_->async_handshake(endpoint_.host + ":" + endpoint_.port, endpoint_.path, [this](beast::error_code ec) {
      if (ec) return retry_later(ec, "the WebSocket handshake");
      send_subscribe();
    });
  }

  void send_subscribe() {
    nlohmann::json params = {{"events", state_.all_events() ? nlohmann::json("*") : nlohmann::json(options_.events)}};
    auto since = state_.resume_from();
    params["since_seq"] = since ? nlohmann::json(*since) : nlohmann::json();
    outgoing_ = nlohmann::json{{"jsonrpc", "2.0"}, {"id", 1}, {"method", "subscribe"}, {"params", params}}.dump();
    ws_->text(true);
    ws_->async_write(net::buffer(outgoing_), [this](beast::error_code ec, std::size_t) {
      if (ec) return retry_later(ec, "subscribing");
      read_next();
    });
  }

  void read_next() {
    ws_->async_read(buffer_, [this](beast::error_code ec, std::size_t) {
      if (ec) return retry_later(ec, "reading events");
      std::string text = beast::buffers_to_string(buffer_.data());
      buffer_.consume(buffer_.size());
      switch (handle(text)) {
        case After::read_on:
          return read_next();
        case After::reconnect:
          return reconnect_now();
        case After::stopped:
          return;
      }
    });
  }

  void reconnect_now() {
    beast::error_code ignored;
    beast::get_lowest_layer(*ws_).socket().close(ignored);
    net::post(ioc_, [this] { connect(); });
  }

  void retry_later(beast::error_code ec, const char* doing) {
    if (stopping_) return;
    report(std::make_exception_ptr(ConnectionError("subscribe", core_->ws_url(), doing + (": " + ec.message()))),
           false);
    if (ws_) {
      beast::error_code ignored;
      beast::get_lowest_layer(*ws_).socket().close(ignored);
    }
    auto ceiling = std::min<std::chrono::milliseconds>(options_.max_reconnect_delay,
                                                       options_.reconnect_delay * (1LL << std::min(failures_, 16)));
    ++failures_;
    std::uniform_real_distribution<double> jitter(0.5, 1.0);
    timer_.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(ceiling * jitter(random_)));
    timer_.async_wait([this](beast::error_code wait_error) {
      if (!wait_error) connect();
    });
  }

  // --- messages

  After handle(const std::string& text) {
    try {
      auto message = nlohmann::json::parse(text);
      if (!message.is_object()) throw ResponseError("subscribe", "message", "not a JSON object");
      if (message.contains("result") || message.contains("error")) return on_reply(message);
      if (message.contains("event")) return on_message(message);
      throw ResponseError("subscribe", "message", "neither a reply nor an event: " + text.substr(0, 200));
    } catch (const nlohmann::json::exception& error) {
      report(std::make_exception_ptr(ResponseError("subscribe", "message", error.what())), false);
      return After::reconnect;
    } catch (const ResponseError&) {
      report(std::current_exception(), false);
      return After::reconnect;
    } catch (const CallbackFailed& failed) {
      fail(failed.error);
      return After::stopped;
    } catch (...) {  // the node refused the subscription, or the chain was reset
      fail(std::current_exception());
      return After::stopped;
    }
  }

  After on_reply(const nlohmann::json& message) {
    if (auto error = message.find("error"); error != message.end() && error->is_object()) {
      // A subscription the node refuses (an unknown event name) would be refused again: stop.
      throw_rpc_error("subscribe", error->value("code", 0), error->value("message", std::string{}),
                      error->value("data", nlohmann::json()));
    }
    const auto& result = message.at("result");
    auto head = result.at("head_seq").get<std::uint64_t>();
    auto chain = result.value("chain_id", std::string{});
    if (auto reset = state_.on_subscribed(head, chain)) {
      auto action = options_.on_chain_reset ? invoke_callback(options_.on_chain_reset, *reset) : ChainResetAction::stop;
      if (action == ChainResetAction::stop) throw ChainResetError(std::move(*reset));
      state_.follow(reset->new_chain_id);  // resubscribe from the new chain's first event
      publish_state();
      failures_ = 0;
      return After::reconnect;
    }
    publish_state();
    failures_ = 0;
    ++subscriptions_;
    if (options_.on_subscribed) invoke_callback(options_.on_subscribed, head, chain);
    return After::read_on;
  }

  After on_message(const nlohmann::json& message) {
    const auto& name = message.at("event");
    if (name == "resync_required") {
      ResyncRequired resync{message.value("oldest_seq", std::uint64_t{0}), message.value("head_seq", std::uint64_t{0})};
      state_.resync(resync.head_seq);
      publish_state();
      if (options_.on_resync_required) invoke_callback(options_.on_resync_required, resync);
      return After::read_on;
    }
    if (name == "subscription_dropped") {
      return After::read_on;  // the node closes the connection next; we resume from our cursor
    }
    auto event = Event::from_json(message, "subscribe");
    state_.accept(
        event,
        [this](std::uint64_t after, std::uint64_t limit) {  // a gap, with every event subscribed
          return EventsPage::from_json(core_->call("ai_get_events", {{"since_seq", after}, {"limit", limit}}));
        },
        [this](const Event& next) {
          invoke_callback(options_.on_event, next);
          published_cursor_ = next.seq;
        },
        [this](const ResyncRequired& resync) {
          if (options_.on_resync_required) invoke_callback(options_.on_resync_required, resync);
        });
    return After::read_on;
  }

  // --- reporting

  void report(std::exception_ptr error, bool stopped) {
    if (!options_.on_error) return;
    try {
      options_.on_error(std::move(error), stopped);
    } catch (...) {  // an error handler that throws has nowhere to go; it must not end the stream
    }
  }

  void fail(std::exception_ptr error) {
    stopping_ = true;
    report(std::move(error), true);
    ioc_.stop();
  }

  // What other threads read: the cursor and the chain id.
  void publish_state() {
    published_cursor_ = state_.cursor();
    std::lock_guard lock(state_lock_);
    chain_ = state_.chain_id();
  }

  std::shared_ptr<detail::ClientCore> core_;
  EventStreamOptions options_;
  WsEndpoint endpoint_;
  detail::StreamCursor state_;  // the stream thread's own

  net::io_context ioc_;
  tcp::resolver resolver_{ioc_};
  net::steady_timer timer_{ioc_};
  std::optional<websocket::stream<beast::tcp_stream>> ws_;
  beast::flat_buffer buffer_;
  std::string outgoing_;
  std::mt19937 random_;
  int failures_ = 0;

  std::atomic<std::uint64_t> published_cursor_{0};
  std::atomic<std::uint64_t> subscriptions_{0};
  std::atomic<bool> stopping_{false};

  mutable std::mutex state_lock_;
  mutable std::condition_variable stopped_cv_;
  std::atomic<bool> running_{false};  // set false under state_lock_, for wait_stopped
  std::string chain_;

  std::thread thread_;  // last: started after every member above exists, joined before they go
};

EventStream::EventStream(std::shared_ptr<detail::ClientCore> core, EventStreamOptions options)
    : impl_(std::make_unique<Impl>(std::move(core), std::move(options))) {
  impl_->start();
}

EventStream::EventStream(EventStream&&) noexcept = default;
EventStream& EventStream::operator=(EventStream&&) noexcept = default;
EventStream::~EventStream() = default;

void EventStream::stop() {
  if (impl_) impl_->stop();
}

bool EventStream::wait_stopped(std::chrono::milliseconds timeout) const {
  return !impl_ || impl_->wait_stopped(timeout);
}

bool EventStream::running() const noexcept { return impl_ && impl_->running(); }

std::uint64_t EventStream::cursor() const noexcept { return impl_ ? impl_->cursor() : 0; }

std::string EventStream::chain_id() const { return impl_ ? impl_->chain_id() : std::string{}; }

std::uint64_t EventStream::subscriptions() const noexcept { return impl_ ? impl_->subscriptions() : 0; }

}  // namespace tos_ai
