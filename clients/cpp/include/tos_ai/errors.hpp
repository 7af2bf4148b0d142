// The exceptions the client throws: one type per error kind of the node API (vectors/errors.json),
// plus transport, reply and input failures. Every node error keeps the method, the node's code, its
// message and its `data` object.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tos_ai {

// Base of everything this library throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// An argument the caller passed is not valid (checked before anything is sent).
class InputError : public Error {
 public:
  using Error::Error;
};

// An amount that is not a u64 count of atomic units.
class InvalidAmount : public InputError {
 public:
  using InputError::InputError;
};

// A string that is not a valid address for the expected network.
class InvalidAddress : public InputError {
 public:
  using InputError::InputError;
};

// The node could not be reached, or did not answer in time. `method` is empty for non-RPC traffic.
class TransportError : public Error {
 public:
  TransportError(std::string method, std::string url, const std::string& what);
  [[nodiscard]] const std::string& method() const noexcept { return method_; }
  [[nodiscard]] const std::string& url() const noexcept { return url_; }

 private:
  std::string method_;
  std::string url_;
};

class ConnectionError : public TransportError {
 public:
  using TransportError::TransportError;
};

class TimeoutError : public TransportError {
 public:
  using TransportError::TransportError;
};

// The node answered with an HTTP status and no JSON-RPC reply in the body.
class HttpError : public TransportError {
 public:
  HttpError(std::string method, std::string url, long status, std::string body);
  [[nodiscard]] long status() const noexcept { return status_; }
  [[nodiscard]] const std::string& body() const noexcept { return body_; }

 private:
  long status_;
  std::string body_;
};

// The node answered, but not with what the API promises (`path` names the first bad field).
class ResponseError : public Error {
 public:
  ResponseError(std::string method, std::string path, std::string reason);
  [[nodiscard]] const std::string& method() const noexcept { return method_; }
  [[nodiscard]] const std::string& path() const noexcept { return path_; }
  [[nodiscard]] const std::string& reason() const noexcept { return reason_; }

 private:
  std::string method_;
  std::string path_;
  std::string reason_;
};

// A JSON-RPC error object from the node. Catch a subclass for the kind you handle.
class RpcError : public Error {
 public:
  RpcError(std::string method, std::int64_t code, std::string message, nlohmann::json data);
  [[nodiscard]] const std::string& method() const noexcept { return method_; }
  [[nodiscard]] std::int64_t code() const noexcept { return code_; }
  // The node's own words, without the method and code this object's what() adds.
  [[nodiscard]] const std::string& node_message() const noexcept { return message_; }
  [[nodiscard]] const nlohmann::json& data() const noexcept { return data_; }
  // `data.rule` and `data.field` when the node named them.
  [[nodiscard]] std::optional<std::string> rule() const;
  [[nodiscard]] std::optional<std::string> field() const;
  // The kind's name as vectors/errors.json spells it ("insufficient_funds"), "node_error" otherwise.
  [[nodiscard]] virtual std::string_view kind() const noexcept { return "node_error"; }

 private:
  std::string method_;
  std::int64_t code_;
  std::string message_;
  nlohmann::json data_;
};

#define TOS_AI_RPC_ERROR(Name, Base, kind_name)                                         \
  class Name : public Base {                                                            \
   public:                                                                              \
    using Base::Base;                                                                   \
    [[nodiscard]] std::string_view kind() const noexcept override { return kind_name; } \
  }

TOS_AI_RPC_ERROR(ParseError, RpcError, "parse_error");                // -32700
TOS_AI_RPC_ERROR(InvalidRequest, RpcError, "invalid_request");        // -32600
TOS_AI_RPC_ERROR(MethodNotFound, RpcError, "method_not_found");       // -32601
TOS_AI_RPC_ERROR(InvalidParams, RpcError, "invalid_params");          // -32602
TOS_AI_RPC_ERROR(InternalError, RpcError, "internal_error");          // -32603
TOS_AI_RPC_ERROR(UnknownEntity, RpcError, "unknown_entity");          // -32001
TOS_AI_RPC_ERROR(InsufficientFunds, RpcError, "insufficient_funds");  // -32002
TOS_AI_RPC_ERROR(NotAccepting, RpcError, "not_accepting");            // -32003
TOS_AI_RPC_ERROR(PermissionDenied, RpcError, "permission_denied");    // -32004
TOS_AI_RPC_ERROR(InvalidContent, RpcError, "invalid_content");        // -32005
TOS_AI_RPC_ERROR(AlreadyDone, RpcError, "already_done");              // -32006
#undef TOS_AI_RPC_ERROR

// -32004 with data.rule "nonce": the signed nonce was not the account's next one.
class NonceMismatch : public PermissionDenied {
 public:
  using PermissionDenied::PermissionDenied;
  [[nodiscard]] std::string_view kind() const noexcept override { return "nonce_mismatch"; }
  // data.expected: the nonce the node wanted.
  [[nodiscard]] std::optional<std::uint64_t> expected() const;
};

// -32004 with data.rule "chain_id": the request was signed for another chain.
class WrongChain : public PermissionDenied {
 public:
  using PermissionDenied::PermissionDenied;
  [[nodiscard]] std::string_view kind() const noexcept override { return "wrong_chain"; }
  // data.expected: the node's chain id.
  [[nodiscard]] std::optional<std::string> expected() const;
};

// -32007: too many actions of one kind; data.retry_after seconds.
class RateLimited : public RpcError {
 public:
  using RpcError::RpcError;
  [[nodiscard]] std::string_view kind() const noexcept override { return "rate_limited"; }
  [[nodiscard]] std::optional<std::chrono::duration<double>> retry_after() const;
};

// Throws the most specific RpcError subclass for a JSON-RPC error (code, and data.rule for -32004).
[[noreturn]] void throw_rpc_error(std::string method, std::int64_t code, std::string message, nlohmann::json data);

}  // namespace tos_ai
