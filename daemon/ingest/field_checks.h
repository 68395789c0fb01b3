#pragma once

// Shape checks for the text fields of an AccountEvent. Pure functions over
// bytes: no allocation, no locale, no file system, no exceptions, so they are
// safe on hostile input of any length (the decoder bounds the length first).

#include <span>
#include <string_view>

namespace reminder::ingest {

// Valid UTF-8 (shortest form, no surrogates, at most U+10FFFF) and nothing
// that can rewrite a log line or a terminal: no C0/C1 control characters or
// DEL, no U+2028/U+2029 line separators, no bidirectional formatting
// characters (U+061C, U+200E/F, U+202A-E, U+2066-9), no BOM (U+FEFF), no
// noncharacters (U+FDD0-FDEF, U+xxFFFE/F).
bool is_printable_utf8(std::string_view s);

// An identifier: printable (above) and no leading or trailing space.
bool is_printable_id(std::string_view s);

// E.164: "+", a non-zero digit, then digits; 7 to 15 digits in all. No
// spaces, dashes or brackets (upstream normalises).
bool is_e164_phone(std::string_view s);

// The shape of an email address: local@domain, ASCII only, at most 254
// bytes; dot-atom local part (RFC 5322 atext, no leading, trailing or double
// dots) of at most 64 bytes; a domain of at least two LDH labels of 1-63
// bytes that neither start nor end with '-', the last one letters only or an
// IDNA "xn--" label. No quoted local parts, no address literals, no comments.
bool is_email_shape(std::string_view s);

// The shape of a BCP 47 language tag: subtags of 1-8 ASCII letters or
// digits separated by '-', the first 2-8 letters; at most 64 bytes.
// ("en", "en-US", "zh-Hant-CN"; not "en_US", not "").
bool is_bcp47_shape(std::string_view s);

// ISO 3166-1 alpha-2 with an optional ISO 3166-2 subdivision: "US", "US-NY",
// "GB-ENG", "CN" (upper case, as in the policy files).
bool is_jurisdiction_shape(std::string_view s);

// The shape of an IANA tz database name ("America/New_York", "Etc/GMT+5",
// "UTC", "EST5EDT"): 1-3 '/'-separated components of ASCII letters, digits,
// '_', '-' and '+', each starting with a letter and at most 14 bytes long
// (the tz project's own rule for names), at most 64 bytes in all. Rejected
// even though the tz loader would open them: "localtime", "posixrules" and
// "Factory", the "posix/" and "right/" trees (right/ counts leap seconds),
// absolute and relative paths ('/', "..", "//"), "file:" names and
// "Fixed/UTC+hh:mm" offsets. The caller still has to load the zone.
bool is_iana_zone_name(std::string_view s);

// True for a name of the compiled-in IANA tz database list (tz_names.inc,
// tzdata 2025b: every zone and link except "Factory"). A customer's zone
// must be on it before anything asks the tz loader about it.
bool is_known_tz_name(std::string_view name);
// All of them, sorted.
std::span<const std::string_view> known_tz_names();
// The tzdata release tz_names.inc was generated from.
std::string_view tz_names_version();

// True for a code of ISO 4217 list one that a debt can be denominated in
// (see iso4217.cc for the list and what is left out). Upper case only.
bool is_active_currency(std::string_view code);

}  // namespace reminder::ingest
