#include "tos_ai/errors.hpp"

#include <utility>

namespace tos_ai {
namespace {

std::string describe_rpc(const std::string& method, std::int64_t code, const std::string& message,
                         const nlohmann::json& data) {
  std::string text = method.empty() ? std::string{} : method + ": ";
  text += message + " (code " + std::to_string(code);
  if (data.is_object()) {
    if (auto rule = data.find("rule"); rule != data.end() && rule->is_string()) {
      text += ", rule " + rule->get<std::string>();
    }
    if (auto field = data.find("field"); field != data.end() && field->is_string()) {
      text += ", field " + field->get<std::string>();
    }
  }
  return text + ")";
}

std::optional<std::string> data_string(const nlohmann::json& data, const char* key) {
  if (!data.is_object()) return std::nullopt;
  auto found = data.find(key);
  if (found == data.end() || !found->is_string()) return std::nullopt;
  return found->get<std::string>();
}

template <typename E>
[[noreturn]] void raise(std::string& method, std::int64_t code, std::string& message, nlohmann::json& data) {
  throw E(std::move(method), code, std::move(message), std::move(data));
}

}  // namespace

TransportError::TransportError(std::string method, std::string url, const std::string& what)
    : Error((method.empty() ? std::string{} : method + ": ") + what + " (" + url + ")"),
      method_(std::move(method)),
      url_(std::move(url)) {}

HttpError::HttpError(std::string method, std::string url, long status, std::string body)
    : TransportError(std::move(method), std::move(url),
                     "HTTP " + std::to_string(status) + (body.empty() ? "" : ": " + body.substr(0, 200))),
      status_(status),
      body_(std::move(body)) {}

ResponseError::ResponseError(std::string method, std::string path, std::string reason)
    : Error((method.empty() ? std::string{} : method + ": ") + "unexpected reply at " + path + ": " + reason),
      method_(std::move(method)),
      path_(std::move(path)),
      reason_(std::move(reason)) {}

RpcError::RpcError(std::string method, std::int64_t code, std::string message, nlohmann::json data)
    : Error(describe_rpc(method, code, message, data)),
      method_(std::move(method)),
      code_(code),
      message_(std::move(message)),
      data_(std::move(data)) {}

std::optional<std::string> RpcError::rule() const { return data_string(data_, "rule"); }

std::optional<std::string> RpcError::field() const { return data_string(data_, "field"); }

std::optional<std::uint64_t> NonceMismatch::expected() const {
  if (!data().is_object()) return std::nullopt;
  auto found = data().find("expected");
  if (found == data().end() || !found->is_number_integer()) return std::nullopt;
  if (!found->is_number_unsigned() && found->get<std::int64_t>() < 0) return std::nullopt;
  return found->get<std::uint64_t>();
}

std::optional<std::string> WrongChain::expected() const { return data_string(data(), "expected"); }

std::optional<std::chrono::duration<double>> RateLimited::retry_after() const {
  if (!data().is_object()) return std::nullopt;
  auto found = data().find("retry_after");
  if (found == data().end() || !found->is_number()) return std::nullopt;
  return std::chrono::duration<double>(found->get<double>());
}

void throw_rpc_error(std::string method, std::int64_t code, std::string message, nlohmann::json data) {
  switch (code) {
    case -32700:
      raise<ParseError>(method, code, message, data);
    case -32600:
      raise<InvalidRequest>(method, code, message, data);
    case -32601:
      raise<MethodNotFound>(method, code, message, data);
    case -32602:
      raise<InvalidParams>(method, code, message, data);
    case -32603:
      raise<InternalError>(method, code, message, data);
    case -32001:
      raise<UnknownEntity>(method, code, message, data);
    case -32002:
      raise<InsufficientFunds>(method, code, message, data);
    case -32003:
      raise<NotAccepting>(method, code, message, data);
    case -32004: {
      auto rule = data_string(data, "rule");
      if (rule == "nonce") raise<NonceMismatch>(method, code, message, data);
      if (rule == "chain_id") raise<WrongChain>(method, code, message, data);
      raise<PermissionDenied>(method, code, message, data);
    }
    case -32005:
      raise<InvalidContent>(method, code, message, data);
    case -32006:
      raise<AlreadyDone>(method, code, message, data);
    case -32007:
      raise<RateLimited>(method, code, message, data);
    default:
      raise<RpcError>(method, code, message, data);
  }
}

}  // namespace tos_ai
