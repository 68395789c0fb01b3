#pragma once

// Reads a contact policy file (deploy/policies/*.yaml) into a rules::Policy.
//
// Strict by design: the daemon refuses to start on an invalid policy, and a
// SIGHUP reload keeps the old one, so every mistake a strategist can make must
// come back as one precise error ("FILE:LINE:COL: path: what is wrong") rather
// than as a silently different policy. Unknown keys, wrong types, overlapping
// buckets, impossible hours and unloadable time zones are all errors; nothing
// falls back to a default the file did not ask for. The key reference is
// deploy/policies/README.md.

#include <limits>
#include <string>
#include <string_view>

#include "config/config_error.h"
#include "rules/policy.h"

namespace reminder::config {

// dpd_max of a bucket written without one ("90+"): no upper bound.
inline constexpr int kUnboundedDpd = std::numeric_limits<int>::max();

// Parses policy YAML. `source_name` only labels errors (usually the path).
// On success the policy's buckets are sorted by dpd_min and validated.
Loaded<rules::PolicyPtr> parse_policy(std::string_view yaml_text, std::string_view source_name);

// Reads and parses the file at `path`; errors are labelled with `path`.
Loaded<rules::PolicyPtr> load_policy_file(const std::string& path);

}  // namespace reminder::config
