// HTTP POST over libcurl with kept-alive connections: a pool of easy handles, each keeping its
// connection open between requests, so concurrent callers each reuse one.
#pragma once

#include <curl/curl.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace tos_ai::detail {

struct CurlEasyDeleter {
  void operator()(CURL* handle) const noexcept { curl_easy_cleanup(handle); }
};
using CurlEasy = std::unique_ptr<CURL, CurlEasyDeleter>;

struct CurlListDeleter {
  void operator()(curl_slist* list) const noexcept { curl_slist_free_all(list); }
};
using CurlList = std::unique_ptr<curl_slist, CurlListDeleter>;

struct HttpReply {
  long status = 0;
  std::string body;
};

class HttpPool {
 public:
  HttpPool(std::string url, std::chrono::milliseconds connect_timeout, std::size_t max_idle);
  HttpPool(const HttpPool&) = delete;
  HttpPool& operator=(const HttpPool&) = delete;

  // POSTs a JSON body. Throws ConnectionError or TimeoutError (naming `method`) when no reply came.
  HttpReply post_json(std::string_view body, std::chrono::milliseconds timeout, std::string_view method);

  [[nodiscard]] const std::string& url() const noexcept { return url_; }
  [[nodiscard]] std::uint64_t connections_opened() const noexcept { return connections_opened_.load(); }

 private:
  CurlEasy acquire();
  void release(CurlEasy handle);

  std::string url_;
  std::chrono::milliseconds connect_timeout_;
  std::size_t max_idle_;
  CurlList headers_;
  std::mutex mutex_;
  std::vector<CurlEasy> idle_;
  std::atomic<std::uint64_t> connections_opened_{0};
};

}  // namespace tos_ai::detail
