// Canonical JSON, the bytes the node hashes and signs: keys sorted by Unicode code point at every depth,
// no whitespace, UTF-8, strings escaped only for '"', '\' and U+0000-U+001F, integers in plain decimal,
// fractions in their shortest round-trip form (as the node writes them: 0.67, 1e-05, 1e+16).
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace tos_ai {

// The canonical text of a JSON value. Throws InputError for NaN or infinity (not JSON) and for
// strings that are not valid UTF-8.
std::string canonical_json(const nlohmann::json& value);

// Parses JSON text keeping every integer exact: an integer beyond the 64-bit range is refused with
// InputError instead of being rounded to a double, as nlohmann::json::parse would do.
nlohmann::json parse_json_exact(std::string_view text);

// How the node writes a double: the shortest digits that read back the same, in Python's repr layout.
std::string format_double(double value);

}  // namespace tos_ai
