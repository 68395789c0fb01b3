#include "ingest/field_checks.h"

#include <cstddef>
#include <cstdint>

namespace reminder::ingest {

namespace {

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_upper(char c) { return c >= 'A' && c <= 'Z'; }
constexpr bool is_alpha(char c) { return is_upper(c) || (c >= 'a' && c <= 'z'); }
constexpr bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }

// Decodes one code point at s[i]; advances i. False on anything that is not
// shortest-form UTF-8 of a scalar value.
bool next_code_point(std::string_view s, std::size_t& i, char32_t& cp) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) {
    cp = b0;
    ++i;
    return true;
  }
  std::size_t len = 0;
  char32_t min = 0;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    len = 2;
    cp = b0 & 0x1F;
    min = 0x80;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    len = 3;
    cp = b0 & 0x0F;
    min = 0x800;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    len = 4;
    cp = b0 & 0x07;
    min = 0x10000;
  } else {
    return false;  // continuation byte, overlong lead (C0, C1) or beyond U+10FFFF (F5..FF)
  }
  if (s.size() - i < len) return false;
  for (std::size_t k = 1; k < len; ++k) {
    const auto b = static_cast<unsigned char>(s[i + k]);
    if ((b & 0xC0) != 0x80) return false;
    cp = (cp << 6) | (b & 0x3F);
  }
  if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
  i += len;
  return true;
}

bool is_forbidden_code_point(char32_t cp) {
  if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F)) return true;       // C0, DEL, C1
  if (cp == 0x2028 || cp == 0x2029) return true;                  // line / paragraph separator
  if (cp == 0x061C || cp == 0x200E || cp == 0x200F) return true;  // bidi marks
  if (cp >= 0x202A && cp <= 0x202E) return true;                  // bidi embeddings, overrides
  if (cp >= 0x2066 && cp <= 0x2069) return true;                  // bidi isolates
  if (cp == 0xFEFF) return true;                                  // BOM / zero-width no-break
  if (cp >= 0xFDD0 && cp <= 0xFDEF) return true;                  // noncharacters
  if ((cp & 0xFFFE) == 0xFFFE) return true;                       // U+xxFFFE, U+xxFFFF
  return false;
}

}  // namespace

bool is_printable_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    // ASCII fast path.
    const char c = s[i];
    if (static_cast<unsigned char>(c) >= 0x20 && static_cast<unsigned char>(c) < 0x7F) {
      ++i;
      continue;
    }
    char32_t cp = 0;
    if (!next_code_point(s, i, cp) || is_forbidden_code_point(cp)) return false;
  }
  return true;
}

bool is_printable_id(std::string_view s) {
  if (!s.empty() && (s.front() == ' ' || s.back() == ' ')) return false;
  return is_printable_utf8(s);
}

bool is_e164_phone(std::string_view s) {
  if (s.size() < 8 || s.size() > 16 || s[0] != '+' || s[1] < '1' || s[1] > '9') return false;
  for (std::size_t i = 2; i < s.size(); ++i) {
    if (!is_digit(s[i])) return false;
  }
  return true;
}

bool is_email_shape(std::string_view s) {
  if (s.size() > 254) return false;
  const std::size_t at = s.find('@');
  if (at == std::string_view::npos || s.find('@', at + 1) != std::string_view::npos) return false;
  const std::string_view local = s.substr(0, at);
  const std::string_view domain = s.substr(at + 1);

  // Local part: dot-atom.
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.') {
    return false;
  }
  constexpr std::string_view kAtextSpecials = "!#$%&'*+-/=?^_`{|}~";
  char prev = 0;
  for (const char c : local) {
    if (c == '.') {
      if (prev == '.') return false;
    } else if (!is_alnum(c) && kAtextSpecials.find(c) == std::string_view::npos) {
      return false;
    }
    prev = c;
  }

  // Domain: LDH labels, at least two, a plausible top-level label.
  if (domain.empty() || domain.size() > 253) return false;
  std::size_t labels = 0;
  std::size_t start = 0;
  std::string_view last;
  for (;;) {
    const std::size_t dot = domain.find('.', start);
    const std::string_view label =
        domain.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (const char c : label) {
      if (!is_alnum(c) && c != '-') return false;
    }
    ++labels;
    last = label;
    if (dot == std::string_view::npos) break;
    start = dot + 1;
  }
  if (labels < 2) return false;
  if (last.size() >= 4 && (last.substr(0, 4) == "xn--" || last.substr(0, 4) == "XN--")) return true;
  if (last.size() < 2) return false;
  for (const char c : last) {
    if (!is_alpha(c)) return false;
  }
  return true;
}

bool is_bcp47_shape(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  std::size_t start = 0;
  bool first = true;
  for (;;) {
    const std::size_t dash = s.find('-', start);
    const std::string_view sub =
        s.substr(start, dash == std::string_view::npos ? std::string_view::npos : dash - start);
    if (sub.empty() || sub.size() > 8) return false;
    for (const char c : sub) {
      if (first ? !is_alpha(c) : !is_alnum(c)) return false;
    }
    if (first && sub.size() < 2) return false;
    first = false;
    if (dash == std::string_view::npos) return true;
    start = dash + 1;
  }
}

bool is_jurisdiction_shape(std::string_view s) {
  if (s.size() < 2 || !is_upper(s[0]) || !is_upper(s[1])) return false;
  if (s.size() == 2) return true;
  if (s[2] != '-' || s.size() < 4 || s.size() > 6) return false;
  for (std::size_t i = 3; i < s.size(); ++i) {
    if (!is_upper(s[i]) && !is_digit(s[i])) return false;
  }
  return true;
}

bool is_iana_zone_name(std::string_view s) {
  if (s.empty() || s.size() > 64) return false;
  if (s == "localtime" || s == "posixrules" || s == "Factory") return false;
  if (s.substr(0, 6) == "posix/" || s.substr(0, 6) == "right/") return false;
  std::size_t components = 0;
  std::size_t start = 0;
  for (;;) {
    const std::size_t slash = s.find('/', start);
    const std::string_view part =
        s.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start);
    // Empty components cover a leading '/', a trailing '/' and "//"; the
    // leading letter covers ".." and "file:..." ':' is never allowed.
    if (part.empty() || part.size() > 14 || !is_alpha(part[0])) return false;
    for (const char c : part) {
      if (!is_alnum(c) && c != '_' && c != '-' && c != '+') return false;
    }
    if (++components > 3) return false;
    if (slash == std::string_view::npos) return true;
    start = slash + 1;
  }
}

}  // namespace reminder::ingest
