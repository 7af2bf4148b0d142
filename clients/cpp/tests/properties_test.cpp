// Standing checks for whole classes of bugs, bounded in time: round trips over random values, and
// random bytes thrown at every parser (under the sanitizer build, any memory error or UB fails it).
#include <gtest/gtest.h>

#include <charconv>
#include <chrono>
#include <cmath>
#include <cstring>
#include <random>

#include "support.hpp"
#include "tos_ai/tos_ai.hpp"

namespace tos_ai {
namespace {

constexpr auto time_budget = std::chrono::milliseconds(400);  // per property

// Runs `check(random)` until `count` runs or the time budget, whichever comes first.
template <typename Check>
void for_random(std::uint64_t seed, int count, Check check) {
  std::mt19937_64 random(seed);
  auto deadline = std::chrono::steady_clock::now() + time_budget;
  for (int i = 0; i < count && std::chrono::steady_clock::now() < deadline; ++i) {
    check(random);
    if (::testing::Test::HasFailure()) return;
  }
}

std::string random_utf8(std::mt19937_64& random, std::size_t max_chars) {
  std::uniform_int_distribution<std::size_t> length(0, max_chars);
  std::uniform_int_distribution<int> plane(0, 9);
  std::string out;
  for (std::size_t n = length(random); n > 0; --n) {
    std::uint32_t code = 0;
    switch (plane(random)) {
      case 0:
        code = std::uniform_int_distribution<std::uint32_t>(0, 0x1f)(random);
        break;  // controls
      case 1:
        code = std::uniform_int_distribution<std::uint32_t>(0x80, 0x7ff)(random);
        break;
      case 2:
        code = std::uniform_int_distribution<std::uint32_t>(0x800, 0xd7ff)(random);
        break;
      case 3:
        code = std::uniform_int_distribution<std::uint32_t>(0xe000, 0xffff)(random);
        break;
      case 4:
        code = std::uniform_int_distribution<std::uint32_t>(0x10000, 0x10ffff)(random);
        break;
      case 5:
        code = std::string_view("\"\\/<>&\x7f")[std::uniform_int_distribution<std::size_t>(0, 6)(random)];
        break;
      default:
        code = std::uniform_int_distribution<std::uint32_t>(0x20, 0x7e)(random);
    }
    if (code < 0x80) {
      out += static_cast<char>(code);
    } else if (code < 0x800) {
      out += static_cast<char>(0xc0 | (code >> 6));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else if (code < 0x10000) {
      out += static_cast<char>(0xe0 | (code >> 12));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    } else {
      out += static_cast<char>(0xf0 | (code >> 18));
      out += static_cast<char>(0x80 | ((code >> 12) & 0x3f));
      out += static_cast<char>(0x80 | ((code >> 6) & 0x3f));
      out += static_cast<char>(0x80 | (code & 0x3f));
    }
  }
  return out;
}

double random_double(std::mt19937_64& random) {
  switch (std::uniform_int_distribution<int>(0, 3)(random)) {
    case 0: {  // any finite bit pattern
      for (;;) {
        std::uint64_t bits = random();
        double value = 0;
        std::memcpy(&value, &bits, sizeof value);
        if (std::isfinite(value)) return value;
      }
    }
    case 1:
      return std::uniform_real_distribution<double>(-1e6, 1e6)(random);
    case 2:
      return std::round(std::uniform_real_distribution<double>(0, 1000)(random)) / 100.0;  // 0.67-like
    default:
      return std::ldexp(1.0, std::uniform_int_distribution<int>(-1074, 1023)(random));
  }
}

nlohmann::json random_json(std::mt19937_64& random, int depth) {
  int pick = std::uniform_int_distribution<int>(0, depth > 3 ? 5 : 7)(random);
  switch (pick) {
    case 0:
      return nullptr;
    case 1:
      return random() % 2 == 0;
    case 2:
      return static_cast<std::int64_t>(random());
    case 3:
      return random();  // u64
    case 4:
      return random_double(random);
    case 5:
      return random_utf8(random, 12);
    case 6: {
      nlohmann::json list = nlohmann::json::array();
      for (auto n = random() % 4; n > 0; --n) list.push_back(random_json(random, depth + 1));
      return list;
    }
    default: {
      nlohmann::json object = nlohmann::json::object();
      for (auto n = random() % 5; n > 0; --n) object[random_utf8(random, 6)] = random_json(random, depth + 1);
      return object;
    }
  }
}

std::vector<std::uint32_t> code_points(const std::string& text) {
  std::vector<std::uint32_t> out;
  for (std::size_t i = 0; i < text.size();) {
    auto byte = static_cast<unsigned char>(text[i]);
    int extra = byte < 0x80 ? 0 : byte < 0xe0 ? 1 : byte < 0xf0 ? 2 : 3;
    std::uint32_t code = extra == 0 ? byte : byte & (0x3f >> extra);
    for (int k = 1; k <= extra; ++k) code = (code << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3f);
    out.push_back(code);
    i += static_cast<std::size_t>(extra) + 1;
  }
  return out;
}

void expect_keys_in_code_point_order(const nlohmann::json& value) {
  if (value.is_object()) {
    std::vector<std::uint32_t> previous;
    bool first = true;
    for (const auto& [key, item] : value.items()) {
      auto current = code_points(key);
      if (!first) {
        EXPECT_LT(previous, current);
      }
      previous = current;
      first = false;
      expect_keys_in_code_point_order(item);
    }
  } else if (value.is_array()) {
    for (const auto& item : value) expect_keys_in_code_point_order(item);
  }
}

TEST(CanonicalJsonProperties, RandomValuesReadBackEqualAndWriteTheSameBytesAgain) {
  for_random(1, 3000, [](std::mt19937_64& random) {
    auto value = random_json(random, 0);
    auto text = canonical_json(value);
    auto back = parse_json_exact(text);
    EXPECT_EQ(canonical_json(back), text);
    expect_keys_in_code_point_order(back);
    EXPECT_EQ(text.find_first_of("\n\r\t"), std::string::npos) << "raw whitespace or control bytes";
    // Equal as values too (nlohmann compares doubles exactly; u64 and i64 of one value compare equal).
    EXPECT_EQ(back, value) << text;
  });
}

TEST(CanonicalJsonProperties, DoublesUseTheShortestDigitsThatReadBackExactly) {
  for_random(2, 20000, [](std::mt19937_64& random) {
    double value = random_double(random);
    auto text = format_double(value);
    EXPECT_EQ(std::strtod(text.c_str(), nullptr), value) << text;
    // Shortest: as many significant digits as the shortest round-trip form has.
    char shortest[64];
    auto written = std::to_chars(shortest, shortest + sizeof shortest, value, std::chars_format::scientific);
    std::string_view digits(shortest, static_cast<std::size_t>(written.ptr - shortest));
    auto count = [](std::string_view s) {
      auto mantissa = s.substr(0, s.find('e'));
      std::size_t n = 0;
      for (char c : mantissa) n += (c >= '0' && c <= '9');
      return n;
    };
    std::string significant = text.substr(0, text.find('e'));
    auto stripped = significant;
    std::erase(stripped, '-');
    std::erase(stripped, '.');
    stripped.erase(0, std::min(stripped.find_first_not_of('0'), stripped.size()));
    if (!stripped.empty()) stripped.erase(stripped.find_last_not_of('0') + 1);
    EXPECT_LE(std::max<std::size_t>(stripped.size(), 1), count(digits)) << text << " vs " << digits;
  });
}

TEST(CanonicalJsonProperties, DoublesAreWrittenAsThePythonNodeWritesThem) {
  // repr() of each value in CPython, which the devnode's json.dumps uses.
  const std::vector<std::pair<double, std::string>> cases = {
      {0.67, "0.67"},
      {0.5, "0.5"},
      {1.5, "1.5"},
      {3.14159, "3.14159"},
      {1.0, "1.0"},
      {0.0, "0.0"},
      {-0.0, "-0.0"},
      {100.0, "100.0"},
      {1e15, "1000000000000000.0"},
      {1e16, "1e+16"},
      {123456789012345678.0, "1.2345678901234568e+17"},
      {0.0001, "0.0001"},
      {0.00001, "1e-05"},
      {1.5e-05, "1.5e-05"},
      {5e-324, "5e-324"},
      {1.7976931348623157e308, "1.7976931348623157e+308"},
      {-2.5, "-2.5"},
      {0.1 + 0.2, "0.30000000000000004"},
      {9007199254740993.0, "9007199254740992.0"},
  };
  for (const auto& [value, text] : cases) EXPECT_EQ(format_double(value), text);
  EXPECT_THROW(format_double(std::nan("")), InputError);
  EXPECT_THROW(format_double(INFINITY), InputError);
}

TEST(CanonicalJsonProperties, BytesThatAreNotUtf8AreRefusedNotSigned) {
  EXPECT_THROW(canonical_json(nlohmann::json(std::string("\xff"))), InputError);
  EXPECT_THROW(canonical_json(nlohmann::json(std::string("\xc3"))), InputError);          // cut short
  EXPECT_THROW(canonical_json(nlohmann::json(std::string("\xed\xa0\x80"))), InputError);  // a surrogate
  EXPECT_THROW(canonical_json(nlohmann::json(std::string("\xc0\xaf"))), InputError);      // overlong
  EXPECT_THROW(canonical_json(nlohmann::json{{std::string("\xfe"), 1}}), InputError);
  EXPECT_EQ(canonical_json(nlohmann::json("\xf0\x9f\x9a\x80")), "\"\xf0\x9f\x9a\x80\"");
}

TEST(CanonicalJsonProperties, IntegersBeyondSixtyFourBitsAreRefusedNotRounded) {
  EXPECT_THROW(parse_json_exact(R"({"a":18446744073709551616})"), InputError);
  EXPECT_THROW(parse_json_exact(R"([-9223372036854775809])"), InputError);
  EXPECT_EQ(canonical_json(parse_json_exact(R"({"a":1e2})")), R"({"a":100.0})");
  EXPECT_THROW(parse_json_exact("{"), InputError);
}

TEST(AddressProperties, RandomKeysRoundTripAndAnySingleCharacterChangeIsCaught) {
  static constexpr std::string_view charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";
  for_random(3, 300, [](std::mt19937_64& random) {
    PublicKey key{};
    for (auto& byte : key) byte = static_cast<std::uint8_t>(random());
    auto address = encode_address(key);
    EXPECT_EQ(address.size(), 62u);
    EXPECT_EQ(decode_address(address), key);
    std::string upper = address;
    for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    EXPECT_EQ(decode_address(upper), key);
    auto at = std::uniform_int_distribution<std::size_t>(4, address.size() - 1)(random);
    std::string changed = address;
    do {
      changed[at] = charset[std::uniform_int_distribution<std::size_t>(0, 31)(random)];
    } while (changed[at] == address[at]);
    EXPECT_FALSE(is_valid_address(changed)) << changed;
    EXPECT_FALSE(is_valid_address(encode_address(key, mainnet_hrp)));
  });
}

TEST(AmountProperties, AmountsUpToTheSupplyRoundTripAndLargerOnesAreRefused) {
  for_random(4, 20000, [](std::mt19937_64& random) {
    Amount any = random() >> std::uniform_int_distribution<int>(0, 63)(random);
    Amount amount = any % (max_supply + 1);
    EXPECT_EQ(parse_amount(amount_to_string(amount)), amount);
    EXPECT_EQ(parse_amount(nlohmann::json(amount)), amount);
    if (any > max_supply) {
      EXPECT_THROW(parse_amount(amount_to_string(any)), InvalidAmount);
      EXPECT_THROW(parse_amount(nlohmann::json(any)), InvalidAmount);
    }
    auto text = format_tos(any);
    auto figure = text.substr(0, text.size() - 4);  // " TOS"
    EXPECT_EQ(tos_to_atomic(figure), any) << text;
  });
}

// Random bytes and near-valid inputs into every parser: they may refuse, never crash or misbehave.
TEST(ParserFuzz, RandomInputsAreRefusedCleanly) {
  const std::vector<std::string> seeds = {
      "tst132yw8ht5p8cetl2jmvknewjawt9xwzdlrk2pyxlnwjyqrdq0dawqqlyxgh",
      R"({"CodeAnalysis":{"language":"rust"}})",
      R"({"a":[1,2.5,"x",{"b":null}],"c":18446744073709551615})",
      "18446744073709551615",
      "1.5",
  };
  for_random(5, 20000, [&](std::mt19937_64& random) {
    std::string input = seeds[random() % seeds.size()];
    for (auto edits = random() % 4; edits > 0 && !input.empty(); --edits) {
      auto at = random() % input.size();
      switch (random() % 3) {
        case 0:
          input[at] = static_cast<char>(random());
          break;
        case 1:
          input.erase(at, 1);
          break;
        default:
          input.insert(at, 1, static_cast<char>(random()));
      }
    }
    try {
      (void)decode_address(input);
    } catch (const InvalidAddress&) {
    }
    try {
      (void)parse_amount(std::string_view(input));
    } catch (const InvalidAmount&) {
    }
    try {
      auto value = parse_json_exact(input);
      (void)canonical_json(value);
      (void)TaskType::parse(value);
    } catch (const InputError&) {
    } catch (const InvalidParams&) {
    }
    try {
      (void)TaskSummary::from_json(nlohmann::json::parse(input, nullptr, false));
    } catch (const ResponseError&) {
    }
  });
}

}  // namespace
}  // namespace tos_ai
