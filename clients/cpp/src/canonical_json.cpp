#include "tos_ai/canonical_json.hpp"

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "tos_ai/errors.hpp"

namespace tos_ai {
namespace {

void write_string(std::string& out, const std::string& text) {
  static constexpr char hex[] = "0123456789abcdef";
  out += '"';
  for (char c : text) {
    auto byte = static_cast<unsigned char>(c);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (byte < 0x20) {
          out += "\\u00";
          out += hex[byte >> 4];
          out += hex[byte & 0xf];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

bool valid_utf8(const std::string& text) {
  // nlohmann validates what it parses, but values built in code may hold any bytes.
  std::size_t i = 0;
  while (i < text.size()) {
    auto byte = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t code = 0;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xe0) == 0xc0) {
      extra = 1;
      code = byte & 0x1fu;
    } else if ((byte & 0xf0) == 0xe0) {
      extra = 2;
      code = byte & 0x0fu;
    } else if ((byte & 0xf8) == 0xf0) {
      extra = 3;
      code = byte & 0x07u;
    } else {
      return false;
    }
    if (i + extra >= text.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xc0) != 0x80) return false;
      code = (code << 6) | (next & 0x3fu);
    }
    static constexpr std::uint32_t smallest[] = {0, 0x80, 0x800, 0x10000};
    if (code < smallest[extra] || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return false;
    i += extra + 1;
  }
  return true;
}

void write(std::string& out, const nlohmann::json& value) {
  using value_t = nlohmann::json::value_t;
  switch (value.type()) {
    case value_t::null:
      out += "null";
      break;
    case value_t::boolean:
      out += value.get<bool>() ? "true" : "false";
      break;
    case value_t::number_integer:
      out += std::to_string(value.get<std::int64_t>());
      break;
    case value_t::number_unsigned:
      out += std::to_string(value.get<std::uint64_t>());
      break;
    case value_t::number_float:
      out += format_double(value.get<double>());
      break;
    case value_t::string: {
      const auto& text = value.get_ref<const std::string&>();
      if (!valid_utf8(text)) throw InputError("canonical JSON: a string is not valid UTF-8");
      write_string(out, text);
      break;
    }
    case value_t::array: {
      out += '[';
      bool first = true;
      for (const auto& item : value) {
        if (!first) out += ',';
        first = false;
        write(out, item);
      }
      out += ']';
      break;
    }
    case value_t::object: {
      // nlohmann::json keeps objects in a std::map<std::string, ...>, ordered by std::string's
      // comparison, which compares bytes as unsigned char: for UTF-8 that is Unicode code point order.
      out += '{';
      bool first = true;
      for (const auto& [key, item] : value.items()) {
        if (!first) out += ',';
        first = false;
        if (!valid_utf8(key)) throw InputError("canonical JSON: a key is not valid UTF-8");
        write_string(out, key);
        out += ':';
        write(out, item);
      }
      out += '}';
      break;
    }
    case value_t::binary:
    case value_t::discarded:
      throw InputError("canonical JSON: a value that JSON cannot write");
  }
}

// Builds the DOM like nlohmann's own parser, but refuses integers it would turn into doubles.
class ExactSax : public nlohmann::json_sax<nlohmann::json> {
 public:
  explicit ExactSax(nlohmann::json& result) : dom_(result, true) {}

  bool null() override { return dom_.null(); }
  bool boolean(bool value) override { return dom_.boolean(value); }
  bool number_integer(number_integer_t value) override { return dom_.number_integer(value); }
  bool number_unsigned(number_unsigned_t value) override { return dom_.number_unsigned(value); }
  bool number_float(number_float_t value, const string_t& text) override {
    if (text.find_first_of(".eE") == string_t::npos) {
      throw InputError("JSON integer " + text + " does not fit in 64 bits");
    }
    return dom_.number_float(value, text);
  }
  bool string(string_t& value) override { return dom_.string(value); }
  bool binary(binary_t& value) override { return dom_.binary(value); }
  bool start_object(std::size_t size) override { return dom_.start_object(size); }
  bool key(string_t& value) override { return dom_.key(value); }
  bool end_object() override { return dom_.end_object(); }
  bool start_array(std::size_t size) override { return dom_.start_array(size); }
  bool end_array() override { return dom_.end_array(); }
  bool parse_error(std::size_t position, const std::string& token, const nlohmann::detail::exception& error) override {
    return dom_.parse_error(position, token, error);
  }

 private:
  nlohmann::detail::json_sax_dom_parser<nlohmann::json> dom_;
};

}  // namespace

std::string format_double(double value) {
  if (!std::isfinite(value)) throw InputError("canonical JSON: NaN and infinity are not JSON numbers");
  // Shortest round-trip digits, in scientific form: "-d.ddde+XX".
  char buffer[64];
  auto written = std::to_chars(buffer, buffer + sizeof buffer, value, std::chars_format::scientific);
  std::string_view text(buffer, static_cast<std::size_t>(written.ptr - buffer));
  std::string out;
  if (text.front() == '-') {
    out += '-';
    text.remove_prefix(1);
  }
  auto e = text.find('e');
  std::string digits(text.substr(0, e));
  if (digits.size() > 1) digits.erase(1, 1);  // drop the point: "1.5" -> "15"
  int exponent = std::atoi(std::string(text.substr(e + 1)).c_str());
  // Python's repr: positional from 1e-4 up to below 1e16, scientific outside.
  if (exponent >= -4 && exponent < 16) {
    int point = exponent + 1;  // digits before the decimal point
    if (point <= 0) {
      out += "0.";
      out.append(static_cast<std::size_t>(-point), '0');
      out += digits;
    } else if (static_cast<std::size_t>(point) >= digits.size()) {
      out += digits;
      out.append(static_cast<std::size_t>(point) - digits.size(), '0');
      out += ".0";
    } else {
      out += digits.substr(0, static_cast<std::size_t>(point));
      out += '.';
      out += digits.substr(static_cast<std::size_t>(point));
    }
    return out;
  }
  out += digits.front();
  if (digits.size() > 1) {
    out += '.';
    out.append(digits, 1);
  }
  out += exponent < 0 ? "e-" : "e+";
  int magnitude = std::abs(exponent);
  if (magnitude < 10) out += '0';
  out += std::to_string(magnitude);
  return out;
}

std::string canonical_json(const nlohmann::json& value) {
  std::string out;
  write(out, value);
  return out;
}

nlohmann::json parse_json_exact(std::string_view text) {
  nlohmann::json result;
  ExactSax sax(result);
  try {
    nlohmann::json::sax_parse(text, &sax);
  } catch (const nlohmann::json::exception& error) {
    throw InputError(std::string("not valid JSON: ") + error.what());
  }
  return result;
}

}  // namespace tos_ai
