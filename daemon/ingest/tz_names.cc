// The IANA tz database names a customer's time zone may have, compiled in:
// a name from an event never reaches the tz loader (a file open per unknown
// name, and a cache entry in absl's and ZoneCatalog's maps that is never
// freed) unless it is one of these ~600. Regenerate with gen_tz_names.sh.

#include <algorithm>
#include <string_view>

#include "ingest/field_checks.h"

namespace reminder::ingest {

namespace {

constexpr std::string_view kTzNames[] = {
#include "ingest/tz_names.inc"
};

static_assert(std::is_sorted(std::begin(kTzNames), std::end(kTzNames)),
              "tz_names.inc must be sorted (binary search)");

}  // namespace

bool is_known_tz_name(std::string_view name) {
  return std::binary_search(std::begin(kTzNames), std::end(kTzNames), name);
}

std::span<const std::string_view> known_tz_names() { return kTzNames; }

std::string_view tz_names_version() { return REMINDER_TZ_NAMES_VERSION; }

}  // namespace reminder::ingest
