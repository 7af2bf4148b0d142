// Step 0 of the conformance scenario: every file in clients/conformance/vectors/, no node needed.
#include <gtest/gtest.h>

#include <typeinfo>

#include "support.hpp"
#include "tos_ai/tos_ai.hpp"

namespace tos_ai {
namespace {

using testing::vectors;

Signature signature_of(const std::string& hex) {
  Signature signature{};
  for (std::size_t i = 0; i < signature.size(); ++i) {
    signature[i] = static_cast<std::uint8_t>(std::stoi(hex.substr(2 * i, 2), nullptr, 16));
  }
  return signature;
}

TEST(CanonicalJsonVectors, EveryCaseWritesTheExactBytes) {
  auto file = vectors("canonical_json");
  ASSERT_FALSE(file["cases"].empty());
  for (const auto& test : file["cases"]) {
    SCOPED_TRACE(test["name"].get<std::string>());
    auto parsed = parse_json_exact(test["input"].get<std::string>());
    EXPECT_EQ(canonical_json(parsed), test["canonical"].get<std::string>());
  }
}

TEST(SigningVectors, EveryCaseSignsTheExactBytesWithTheExactSignature) {
  auto file = vectors("signing");
  ASSERT_FALSE(file["cases"].empty());
  for (const auto& test : file["cases"]) {
    SCOPED_TRACE(test["name"].get<std::string>());
    auto wallet = Wallet::from_seed_hex(test["private_key"].get<std::string>());
    EXPECT_EQ(wallet.public_key_hex(), test["public_key"]);
    EXPECT_EQ(wallet.address(), test["address"]);
    EXPECT_EQ(wallet.seed_hex(), test["private_key"]);
    auto params = parse_json_exact(test["params"].get<std::string>());
    auto method = test["method"].get<std::string>();
    auto nonce = test["nonce"].get<std::uint64_t>();
    auto chain = test["chain_id"].get<std::string>();
    auto network = test["network"].get<std::string>();
    auto payload = signing_payload(method, params, nonce, chain, network);
    EXPECT_EQ(payload, test["signed_bytes"].get<std::string>());
    auto auth = sign_request(wallet, method, params, nonce, chain, network);
    EXPECT_EQ(auth, test["auth"]);
    EXPECT_EQ(auth["signature"], test["signature"]);

    // Changing any signed part breaks the signature.
    auto signature = signature_of(test["signature"].get<std::string>());
    EXPECT_TRUE(verify_signature(wallet.public_key(), payload, signature));
    nlohmann::json other_params = params;
    other_params["extra"] = 1;
    for (const auto& changed : {signing_payload(method + "x", params, nonce, chain, network),
                                signing_payload(method, params, nonce + 1, chain, network),
                                signing_payload(method, params, nonce, chain + "0", network),
                                signing_payload(method, params, nonce, chain, "mainnet"),
                                signing_payload(method, other_params, nonce, chain, network)}) {
      EXPECT_FALSE(verify_signature(wallet.public_key(), changed, signature)) << changed;
    }
  }
}

TEST(AddressVectors, ValidOnesDecodeAndNormalizeInvalidOnesAreRefusedWithTheNodesWords) {
  auto file = vectors("addresses");
  ASSERT_FALSE(file["cases"].empty());
  for (const auto& test : file["cases"]) {
    SCOPED_TRACE(test["name"].get<std::string>());
    auto address = test["address"].get<std::string>();
    if (test["valid"].get<bool>()) {
      auto key = decode_address(address);
      EXPECT_EQ(to_hex(key), test["public_key"]);
      EXPECT_EQ(normalize_address(address), test["normalized"]);
      EXPECT_EQ(encode_address(key), test["normalized"]);
      EXPECT_TRUE(is_valid_address(address));
    } else {
      EXPECT_FALSE(is_valid_address(address));
      try {
        (void)decode_address(address);
        ADD_FAILURE() << "accepted " << address;
      } catch (const InvalidAddress& error) {
        EXPECT_EQ(std::string(error.what()), test["reason"].get<std::string>());
      }
    }
  }
}

TEST(AmountVectors, AtomicInputsParseOrAreRefusedWithTheNodesWords) {
  auto file = vectors("amounts");
  ASSERT_FALSE(file["atomic"].empty());
  for (const auto& test : file["atomic"]) {
    SCOPED_TRACE(test["input"].dump());
    if (test["valid"].get<bool>()) {
      EXPECT_EQ(amount_to_string(parse_amount(test["input"])), test["atomic"].get<std::string>());
    } else {
      try {
        (void)parse_amount(test["input"]);
        ADD_FAILURE() << "accepted " << test["input"].dump();
      } catch (const InvalidAmount& error) {
        EXPECT_EQ(std::string(error.what()), test["reason"].get<std::string>());
      }
    }
  }
}

TEST(AmountVectors, TosFiguresConvertToAtomicUnits) {
  auto file = vectors("amounts");
  ASSERT_FALSE(file["tos_to_atomic"].empty());
  for (const auto& test : file["tos_to_atomic"]) {
    SCOPED_TRACE(test["tos"].get<std::string>());
    auto atomic = tos_to_atomic(test["tos"].get<std::string>());
    if (test["atomic"].is_null()) {
      EXPECT_FALSE(atomic.has_value());
    } else {
      ASSERT_TRUE(atomic.has_value());
      EXPECT_EQ(amount_to_string(*atomic), test["atomic"].get<std::string>());
    }
  }
}

TEST(AmountVectors, AtomicUnitsFormatAsTosText) {
  auto file = vectors("amounts");
  ASSERT_FALSE(file["format"].empty());
  for (const auto& test : file["format"]) {
    EXPECT_EQ(format_tos(std::stoull(test["atomic"].get<std::string>())), test["text"].get<std::string>());  // any u64
  }
}

TEST(TaskTypeVectors, ValidOnesNormalizeInvalidOnesGetTheNodesErrorAndField) {
  auto file = vectors("task_types");
  ASSERT_FALSE(file["cases"].empty());
  for (const auto& test : file["cases"]) {
    SCOPED_TRACE(test["name"].get<std::string>());
    if (test["valid"].get<bool>()) {
      auto type = TaskType::parse(test["input"]);
      EXPECT_EQ(type.to_json(), test["normalized"]);
      EXPECT_EQ(TaskType::parse(type.to_json()), type);
      EXPECT_EQ(type.detail_key(), file["detail_keys"][type.variant()].get<std::string>());
    } else {
      try {
        (void)TaskType::parse(test["input"]);
        ADD_FAILURE() << "accepted " << test["input"].dump();
      } catch (const InvalidParams& error) {
        EXPECT_EQ(error.code(), test["code"].get<std::int64_t>());
        EXPECT_EQ(error.field(), test["field"].get<std::string>());
      }
    }
  }
}

TEST(TaskTypeVectors, TheRestFlatFormNamesTheSameTypeAndDefaultTitle) {
  auto cases = vectors("task_types")["rest_flat"];
  ASSERT_FALSE(cases.empty());
  for (const auto& flat : cases) {
    auto type = TaskType::from_rest_flat(flat["body"]);
    EXPECT_EQ(type.to_json(), flat["task_type"]);
    EXPECT_EQ(type.default_title(), flat["default_title"].get<std::string>());
  }
}

// What the client builds from a node error object, by kind.
const std::map<std::string, std::function<bool(const RpcError&)>> kind_checks = {
    {"parse_error", [](const RpcError& e) { return dynamic_cast<const ParseError*>(&e) != nullptr; }},
    {"invalid_request", [](const RpcError& e) { return dynamic_cast<const InvalidRequest*>(&e) != nullptr; }},
    {"method_not_found", [](const RpcError& e) { return dynamic_cast<const MethodNotFound*>(&e) != nullptr; }},
    {"invalid_params", [](const RpcError& e) { return dynamic_cast<const InvalidParams*>(&e) != nullptr; }},
    {"internal_error", [](const RpcError& e) { return dynamic_cast<const InternalError*>(&e) != nullptr; }},
    {"unknown_entity", [](const RpcError& e) { return dynamic_cast<const UnknownEntity*>(&e) != nullptr; }},
    {"insufficient_funds", [](const RpcError& e) { return dynamic_cast<const InsufficientFunds*>(&e) != nullptr; }},
    {"not_accepting", [](const RpcError& e) { return dynamic_cast<const NotAccepting*>(&e) != nullptr; }},
    {"permission_denied",
     [](const RpcError& e) {
       return dynamic_cast<const PermissionDenied*>(&e) != nullptr &&
              dynamic_cast<const NonceMismatch*>(&e) == nullptr && dynamic_cast<const WrongChain*>(&e) == nullptr;
     }},
    {"nonce_mismatch",
     [](const RpcError& e) {
       return dynamic_cast<const NonceMismatch*>(&e) != nullptr && dynamic_cast<const PermissionDenied*>(&e) != nullptr;
     }},
    {"wrong_chain",
     [](const RpcError& e) {
       return dynamic_cast<const WrongChain*>(&e) != nullptr && dynamic_cast<const PermissionDenied*>(&e) != nullptr;
     }},
    {"invalid_content", [](const RpcError& e) { return dynamic_cast<const InvalidContent*>(&e) != nullptr; }},
    {"already_done", [](const RpcError& e) { return dynamic_cast<const AlreadyDone*>(&e) != nullptr; }},
    {"rate_limited", [](const RpcError& e) { return dynamic_cast<const RateLimited*>(&e) != nullptr; }},
};

TEST(ErrorVectors, EveryCodeBecomesTheTypeOfItsKindKeepingMethodCodeMessageAndData) {
  auto file = vectors("errors");
  ASSERT_FALSE(file["errors"].empty());
  for (const auto& test : file["errors"]) {
    auto kind = test["kind"].get<std::string>();
    SCOPED_TRACE(kind);
    ASSERT_TRUE(kind_checks.contains(kind)) << "a kind this client has no type for";
    nlohmann::json data = {{"field", "x"}};
    if (!test["rule"].is_null()) data["rule"] = test["rule"];
    auto code = test["code"].get<std::int64_t>();
    try {
      throw_rpc_error("some_method", code, test["meaning"].get<std::string>(), data);
    } catch (const RpcError& error) {
      EXPECT_TRUE(kind_checks.at(kind)(error)) << typeid(error).name();
      EXPECT_EQ(error.kind(), kind);
      EXPECT_EQ(error.code(), code);
      EXPECT_EQ(error.method(), "some_method");
      EXPECT_EQ(error.node_message(), test["meaning"].get<std::string>());
      EXPECT_EQ(error.data(), data);
      EXPECT_EQ(error.field(), "x");
    }
  }
  try {
    throw_rpc_error("m", -32099, "something new", nullptr);
  } catch (const RpcError& error) {
    EXPECT_EQ(error.kind(), "node_error");
    EXPECT_EQ(error.code(), -32099);
  }
}

TEST(ErrorVectors, NonceAndChainErrorsExposeWhatTheNodeExpected) {
  try {
    throw_rpc_error("m", -32004, "wrong nonce", {{"rule", "nonce"}, {"expected", 7}});
  } catch (const NonceMismatch& error) {
    EXPECT_EQ(error.expected(), 7u);
  }
  try {
    throw_rpc_error("m", -32004, "wrong chain", {{"rule", "chain_id"}, {"expected", "abc"}});
  } catch (const WrongChain& error) {
    EXPECT_EQ(error.expected(), "abc");
  }
  try {
    throw_rpc_error("m", -32007, "slow down", {{"retry_after", 2.5}});
  } catch (const RateLimited& error) {
    ASSERT_TRUE(error.retry_after().has_value());
    EXPECT_DOUBLE_EQ(error.retry_after()->count(), 2.5);
  }
}

}  // namespace
}  // namespace tos_ai
