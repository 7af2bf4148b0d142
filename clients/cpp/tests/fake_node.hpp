// A scripted JSON-RPC node on loopback for tests that need no devnode: each request is answered by the
// next scripted reply (the last repeats), over HTTP/1.1 with kept-alive connections.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

namespace tos_ai::testing {

struct Reply {
  int status = 200;
  std::string body;
};

using Script = std::function<Reply(const nlohmann::json& request)>;

inline Reply rpc_result(const nlohmann::json& request, nlohmann::json result) {
  return {200, nlohmann::json{{"jsonrpc", "2.0"}, {"id", request["id"]}, {"result", std::move(result)}}.dump()};
}

inline Reply rpc_error(const nlohmann::json& request, int code, const std::string& message, nlohmann::json data) {
  return {200, nlohmann::json{{"jsonrpc", "2.0"},
                              {"id", request["id"]},
                              {"error", {{"code", code}, {"message", message}, {"data", std::move(data)}}}}
                   .dump()};
}

// An HTTP/1.1 server (a thread per connection) answering each request with the next scripted reply (the last repeats).
class FakeNode {
 public:
  explicit FakeNode(std::vector<Script> script, bool silent = false) : script_(std::move(script)), silent_(silent) {
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    int yes = 1;
    ::setsockopt(listener_, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address);
    ::listen(listener_, 16);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { serve(); });
  }

  ~FakeNode() {
    stop_ = true;
    thread_.join();
    ::close(listener_);
  }

  [[nodiscard]] std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  [[nodiscard]] int connections() const { return connections_; }
  [[nodiscard]] int requests() const { return requests_; }

 private:
  bool wait_readable(int fd) {
    pollfd entry{fd, POLLIN, 0};
    while (!stop_) {
      if (::poll(&entry, 1, 20) > 0) return true;
    }
    return false;
  }

  void serve() {
    std::vector<int> open;
    std::vector<std::thread> handlers;
    while (!stop_) {
      if (!wait_readable(listener_)) break;
      int client = ::accept(listener_, nullptr, nullptr);
      if (client < 0) continue;
      ++connections_;
      open.push_back(client);
      if (!silent_) handlers.emplace_back([this, client] { handle(client); });  // silent: let it time out
    }
    for (auto& handler : handlers) handler.join();
    for (int fd : open) ::close(fd);
  }

  // Answers requests on one kept-alive connection until the client closes it or the server stops.
  void handle(int client) {
    std::string buffer;
    char chunk[4096];
    for (;;) {
      auto head_end = buffer.find("\r\n\r\n");
      while (head_end == std::string::npos) {
        if (!wait_readable(client)) return;
        auto n = ::recv(client, chunk, sizeof chunk, 0);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
        head_end = buffer.find("\r\n\r\n");
      }
      std::size_t length = 0;
      auto header = buffer.find("Content-Length: ");
      if (header != std::string::npos && header < head_end) length = std::stoul(buffer.substr(header + 16));
      while (buffer.size() < head_end + 4 + length) {
        if (!wait_readable(client)) return;
        auto n = ::recv(client, chunk, sizeof chunk, 0);
        if (n <= 0) return;
        buffer.append(chunk, static_cast<std::size_t>(n));
      }
      auto request = nlohmann::json::parse(buffer.substr(head_end + 4, length));
      buffer.erase(0, head_end + 4 + length);
      Reply reply;
      {
        std::lock_guard lock(script_lock_);
        reply = script_[std::min<std::size_t>(static_cast<std::size_t>(requests_), script_.size() - 1)](request);
        ++requests_;
      }
      std::string response = "HTTP/1.1 " + std::to_string(reply.status) +
                             " Scripted\r\nContent-Type: application/json\r\n" +
                             "Content-Length: " + std::to_string(reply.body.size()) + "\r\n\r\n" + reply.body;
      ::send(client, response.data(), response.size(), MSG_NOSIGNAL);
    }
  }

  std::mutex script_lock_;
  std::vector<Script> script_;
  bool silent_;
  int listener_ = -1;
  std::uint16_t port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> connections_{0};
  std::atomic<int> requests_{0};
  std::thread thread_;
};

}  // namespace tos_ai::testing
