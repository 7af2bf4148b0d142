// What the tests share: where the conformance folder is, whether a node is there, small helpers.
#pragma once

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <optional>
#include <sstream>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "tos_ai/client.hpp"

namespace tos_ai::testing {

inline std::optional<std::string> env(const char* name) {
  const char* value = std::getenv(name);
  if (value == nullptr || *value == '\0') return std::nullopt;
  return std::string(value);
}

// TOS_CONFORMANCE_DIR, or the repository's clients/conformance when run by hand.
inline std::filesystem::path conformance_dir() {
  if (auto dir = env("TOS_CONFORMANCE_DIR")) return *dir;
  return TOS_AI_DEFAULT_CONFORMANCE_DIR;
}

inline nlohmann::json read_json(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot read " + path.string());
  std::stringstream text;
  text << in.rdbuf();
  return nlohmann::json::parse(text.str());
}

inline nlohmann::json vectors(const std::string& name) {
  return read_json(conformance_dir() / "vectors" / (name + ".json"));
}

inline nlohmann::json scenario() { return read_json(conformance_dir() / "scenario.json"); }

inline bool conformance_run() { return env("TOS_CONFORMANCE").value_or("") == "1"; }

inline constexpr const char* no_node_hint =
    "needs a devnode: run `make test-clients` from the repository root (or set TOS_NODE_URL)";

// Declares `url_variable` holding the node's URL; without a node the test is skipped (a plain run) or
// failed (TOS_CONFORMANCE=1).
#define TOS_AI_REQUIRE_NODE(url_variable)                                                                \
  std::string url_variable;                                                                              \
  do {                                                                                                   \
    auto found_url = ::tos_ai::testing::env("TOS_NODE_URL");                                             \
    if (!found_url) {                                                                                    \
      if (::tos_ai::testing::conformance_run()) FAIL() << "TOS_CONFORMANCE=1 but TOS_NODE_URL is unset"; \
      GTEST_SKIP() << ::tos_ai::testing::no_node_hint;                                                   \
    }                                                                                                    \
    try {                                                                                                \
      ::tos_ai::Client(*found_url).get_version();                                                        \
    } catch (const std::exception& error) {                                                              \
      if (::tos_ai::testing::conformance_run())                                                          \
        FAIL() << "the node at " << *found_url << " is unreachable: " << error.what();                   \
      GTEST_SKIP() << "no node answers at " << *found_url << "; " << ::tos_ai::testing::no_node_hint;    \
    }                                                                                                    \
    url_variable = *found_url;                                                                           \
  } while (false)

// Polls `done` until it is true or `timeout` passed; true when it became true.
inline bool eventually(const std::function<bool()>& done, std::chrono::milliseconds timeout,
                       std::chrono::milliseconds step = std::chrono::milliseconds(20)) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (done()) return true;
    std::this_thread::sleep_for(step);
  }
  return done();
}

}  // namespace tos_ai::testing
