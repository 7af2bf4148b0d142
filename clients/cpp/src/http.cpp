#include "http.hpp"

#include "tos_ai/errors.hpp"

namespace tos_ai::detail {
namespace {

// libcurl wants curl_global_init before any other call, and once. A function-local static does that
// the first time a pool is made (thread-safe by the language); it is never undone, since other code in
// the process may use libcurl too, and the operating system reclaims it at exit.
void ensure_curl() {
  static const CURLcode ready = curl_global_init(CURL_GLOBAL_DEFAULT);
  if (ready != CURLE_OK) throw Error(std::string("libcurl could not be initialised: ") + curl_easy_strerror(ready));
}

std::size_t append_body(char* data, std::size_t size, std::size_t count, void* target) {
  static_cast<std::string*>(target)->append(data, size * count);
  return size * count;
}

}  // namespace

HttpPool::HttpPool(std::string url, std::chrono::milliseconds connect_timeout, std::size_t max_idle)
    : url_(std::move(url)), connect_timeout_(connect_timeout), max_idle_(max_idle) {
  ensure_curl();
  curl_slist* list = curl_slist_append(nullptr, "Content-Type: application/json");
  list = curl_slist_append(list, "Accept: application/json");
  list = curl_slist_append(list, "Expect:");  // no 100-continue round trip for larger bodies
  if (list == nullptr) throw Error("libcurl: out of memory");
  headers_.reset(list);
}

CurlEasy HttpPool::acquire() {
  {
    std::lock_guard lock(mutex_);
    if (!idle_.empty()) {
      CurlEasy handle = std::move(idle_.back());
      idle_.pop_back();
      return handle;
    }
  }
  CurlEasy handle(curl_easy_init());
  if (!handle) throw Error("libcurl: could not create a handle");
  CURL* h = handle.get();
  curl_easy_setopt(h, CURLOPT_URL, url_.c_str());
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers_.get());
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);  // threads: no SIGALRM for timeouts
  curl_easy_setopt(h, CURLOPT_TCP_NODELAY, 1L);
  curl_easy_setopt(h, CURLOPT_TCP_KEEPALIVE, 1L);
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(connect_timeout_.count()));
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, append_body);
  curl_easy_setopt(h, CURLOPT_USERAGENT, "tos-ai-cpp/0.1");
  return handle;
}

void HttpPool::release(CurlEasy handle) {
  std::lock_guard lock(mutex_);
  if (idle_.size() < max_idle_) idle_.push_back(std::move(handle));
}

HttpReply HttpPool::post_json(std::string_view body, std::chrono::milliseconds timeout, std::string_view method) {
  CurlEasy handle = acquire();
  CURL* h = handle.get();
  HttpReply reply;
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(body.size()));
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, static_cast<long>(timeout.count()));
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &reply.body);
  CURLcode code = curl_easy_perform(h);
  long connects = 0;
  curl_easy_getinfo(h, CURLINFO_NUM_CONNECTS, &connects);
  connections_opened_ += static_cast<std::uint64_t>(connects);
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &reply.status);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(h, CURLOPT_POSTFIELDS, nullptr);
  release(std::move(handle));
  if (code == CURLE_OPERATION_TIMEDOUT) {
    throw TimeoutError(std::string(method), url_,
                       "no reply within " + std::to_string(timeout.count()) + " ms: " + curl_easy_strerror(code));
  }
  if (code != CURLE_OK) throw ConnectionError(std::string(method), url_, curl_easy_strerror(code));
  return reply;
}

}  // namespace tos_ai::detail
