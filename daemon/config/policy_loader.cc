#include "config/policy_loader.h"

#include <absl/container/flat_hash_set.h>
#include <absl/strings/ascii.h>
#include <absl/strings/str_cat.h>
#include <absl/strings/str_join.h>
#include <absl/strings/string_view.h>
#include <absl/time/civil_time.h>
#include <absl/time/time.h>
#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <initializer_list>
#include <map>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "config/strict_yaml.h"

namespace reminder::config {
namespace {

using rules::Channel;

using namespace strict_yaml;  // NOLINT(google-build-using-namespace): the loaders' own toolkit

// ---------------------------------------------------------------------------
// Policy values.
// ---------------------------------------------------------------------------

constexpr std::int64_t kMaxDpd = 36500;  // a hundred years: anything above is a typo
constexpr int kMaxDurationDays = 366;    // rolling logs are kept this long at most

// Names unique within one list; a repeat names the line of the first.
class NameSet {
 public:
  explicit NameSet(absl::string_view kind) : kind_(kind) {}
  void add(const Reader& r, const Val& v, const std::string& name) {
    auto [it, fresh] = lines_.emplace(name, v.mark.line + 1);
    if (!fresh) {
      r.fail(
          v.mark, v.path,
          absl::StrCat("duplicate ", kind_, " name '", name, "' (first at line ", it->second, ")"));
    }
  }

 private:
  std::string kind_;
  std::map<std::string, int> lines_;
};

Channel read_channel(const Reader& r, const Val& v) {
  std::string name = read_string(r, v);
  std::optional<Channel> c = rules::channel_from_name(name);
  if (!c) {
    r.fail(v.mark, v.path,
           absl::StrCat("unknown channel '", name, "' (expected sms, email or call)"));
  }
  return *c;
}

// One of a fixed set of words.
std::string read_word(const Reader& r, const Val& v,
                      std::initializer_list<absl::string_view> words) {
  std::string s = read_string(r, v);
  if (std::find(words.begin(), words.end(), s) == words.end()) {
    r.fail(v.mark, v.path,
           absl::StrCat("expected one of ", absl::StrJoin(words, ", "), "; got '", s, "'"));
  }
  return s;
}

// "7d", "24h", "90m", "30s", or units combined largest first: "1d12h".
std::optional<absl::Duration> parse_duration_text(absl::string_view s) {
  constexpr absl::string_view kUnits = "smhd";  // index = rank, larger rank = larger unit
  if (s.empty()) return std::nullopt;
  absl::Duration total = absl::ZeroDuration();
  std::size_t last_rank = kUnits.size();
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && absl::ascii_isdigit(static_cast<unsigned char>(s[j]))) ++j;
    if (j == i || j - i > 6 || j == s.size()) return std::nullopt;
    const std::size_t rank = kUnits.find(s[j]);
    // Each unit once, largest first, so "7d7d" or "30m1h" are typos rather than sums.
    if (rank == absl::string_view::npos || rank >= last_rank) return std::nullopt;
    last_rank = rank;
    std::int64_t n = 0;
    std::from_chars(s.data() + i, s.data() + j, n);
    constexpr std::int64_t kSeconds[] = {1, 60, 3600, 86400};
    total += absl::Seconds(n * kSeconds[rank]);
    i = j + 1;
  }
  return total;
}

absl::Duration read_duration(const Reader& r, const Val& v) {
  std::string s = read_string(r, v);
  std::optional<absl::Duration> d = parse_duration_text(s);
  if (!d) {
    r.fail(v.mark, v.path,
           absl::StrCat("expected a duration such as 7d, 24h or 90m, got '", s, "'"));
  }
  if (*d <= absl::ZeroDuration()) {
    r.fail(v.mark, v.path, absl::StrCat("must be greater than zero, got '", s, "'"));
  }
  if (*d > absl::Hours(24 * kMaxDurationDays)) {
    r.fail(v.mark, v.path, absl::StrCat("must be at most ", kMaxDurationDays, "d, got '", s, "'"));
  }
  return *d;
}

std::optional<absl::CivilDay> parse_date_text(absl::string_view s, bool* well_formed) {
  *well_formed = false;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  for (std::size_t i : {0, 1, 2, 3, 5, 6, 8, 9}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  }
  *well_formed = true;
  int y = 0, m = 0, d = 0;
  std::from_chars(s.data(), s.data() + 4, y);
  std::from_chars(s.data() + 5, s.data() + 7, m);
  std::from_chars(s.data() + 8, s.data() + 10, d);
  absl::CivilDay day(y, m, d);  // normalises 02-30 to 03-02: compare to detect it
  if (day.year() != y || day.month() != m || day.day() != d) return std::nullopt;
  return day;
}

absl::CivilDay read_date(const Reader& r, const Val& v) {
  std::string s = read_string(r, v);
  bool well_formed = false;
  std::optional<absl::CivilDay> day = parse_date_text(s, &well_formed);
  if (!well_formed) {
    r.fail(v.mark, v.path, absl::StrCat("expected a date YYYY-MM-DD, got '", s, "'"));
  }
  if (!day) r.fail(v.mark, v.path, absl::StrCat("'", s, "' is not a valid date"));
  return *day;
}

std::vector<absl::CivilDay> read_dates(const Reader& r, const Val& v) {
  std::vector<absl::CivilDay> days;
  for (const Val& item : read_seq(r, v)) {
    absl::CivilDay day = read_date(r, item);
    if (std::find(days.begin(), days.end(), day) != days.end()) {
      r.fail(item.mark, item.path, absl::StrCat("duplicate date ", absl::FormatCivilTime(day)));
    }
    days.push_back(day);
  }
  return days;
}

// An IANA zone that this host's tz database can load. absl::LoadTimeZone
// falls back to UTC on failure; that fallback must never reach the engine.
std::string read_zone(const Reader& r, const Val& v) {
  std::string name = read_nonempty_string(r, v);
  // "localtime" and paths would make the answer depend on the host.
  const bool looks_iana = name != "localtime" && name.front() != '/' &&
                          name.find("..") == std::string::npos &&
                          std::all_of(name.begin(), name.end(), [](char c) {
                            return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '/' ||
                                   c == '_' || c == '-' || c == '+';
                          });
  if (!looks_iana) {
    r.fail(v.mark, v.path, absl::StrCat("'", name, "' is not an IANA time zone name"));
  }
  absl::TimeZone tz;
  if (!absl::LoadTimeZone(name, &tz)) {
    r.fail(v.mark, v.path,
           absl::StrCat("unknown time zone '", name, "' (not in the tz database on this host)"));
  }
  return name;
}

std::vector<std::string> read_zones(const Reader& r, const Val& v) {
  std::vector<std::string> zones;
  for (const Val& item : read_seq(r, v)) {
    std::string zone = read_zone(r, item);
    if (std::find(zones.begin(), zones.end(), zone) != zones.end()) {
      r.fail(item.mark, item.path, absl::StrCat("duplicate time zone '", zone, "'"));
    }
    zones.push_back(std::move(zone));
  }
  return zones;
}

// ISO 3166-1 alpha-2, optionally with an ISO 3166-2 subdivision: "US", "US-NY".
bool is_jurisdiction_code(absl::string_view s) {
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto upper_or_digit = [&](char c) { return upper(c) || (c >= '0' && c <= '9'); };
  if (s.size() < 2 || !upper(s[0]) || !upper(s[1])) return false;
  if (s.size() == 2) return true;
  if (s[2] != '-' || s.size() < 4 || s.size() > 6) return false;
  return std::all_of(s.begin() + 3, s.end(), upper_or_digit);
}

void check_jurisdiction(const Reader& r, const YAML::Mark& mark, absl::string_view path,
                        absl::string_view code) {
  if (!is_jurisdiction_code(code)) {
    r.fail(mark, path,
           absl::StrCat("'", code, "' is not a jurisdiction code (such as US, US-NY or CN)"));
  }
}

// ---------------------------------------------------------------------------
// Contact windows.
// ---------------------------------------------------------------------------

// "HH:MM" -> minutes since midnight; 24:00 only where `allow_24` (a closing time).
std::optional<int> parse_clock(absl::string_view s, bool allow_24) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (std::size_t i : {0, 1, 3, 4}) {
    if (!absl::ascii_isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
  }
  const int h = (s[0] - '0') * 10 + (s[1] - '0');
  const int m = (s[3] - '0') * 10 + (s[4] - '0');
  if (allow_24 && h == 24 && m == 0) return 24 * 60;
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

// "08:00-21:00" (spaces around the dash allowed) or "closed".
std::optional<rules::LocalHours> read_day_hours(const Reader& r, const Val& v) {
  std::string s = read_string(r, v);
  if (s == "closed") return std::nullopt;
  const std::size_t dash = s.find('-');
  if (dash == std::string::npos) {
    r.fail(v.mark, v.path, absl::StrCat("expected HH:MM-HH:MM or closed, got '", s, "'"));
  }
  const absl::string_view open_text =
      absl::StripAsciiWhitespace(absl::string_view(s).substr(0, dash));
  const absl::string_view close_text =
      absl::StripAsciiWhitespace(absl::string_view(s).substr(dash + 1));
  auto shape_ok = [](absl::string_view t) {
    return t.size() == 5 && t[2] == ':' && std::all_of(t.begin(), t.end(), [](char c) {
             return c == ':' || absl::ascii_isdigit(static_cast<unsigned char>(c));
           });
  };
  if (!shape_ok(open_text) || !shape_ok(close_text)) {
    r.fail(v.mark, v.path, absl::StrCat("expected HH:MM-HH:MM or closed, got '", s, "'"));
  }
  std::optional<int> open = parse_clock(open_text, /*allow_24=*/false);
  if (!open) r.fail(v.mark, v.path, absl::StrCat("'", open_text, "' is not a valid opening time"));
  std::optional<int> close = parse_clock(close_text, /*allow_24=*/true);
  if (!close) {
    r.fail(v.mark, v.path, absl::StrCat("'", close_text, "' is not a valid closing time"));
  }
  if (*close <= *open) {
    r.fail(v.mark, v.path,
           absl::StrCat("closing time ", close_text, " is not after opening time ", open_text));
  }
  return rules::LocalHours{*open, *close};
}

constexpr absl::string_view kDayKeys[7] = {"mon", "tue", "wed", "thu", "fri", "sat", "sun"};

// Groups first, single days override them: `daily` < `weekdays`/`weekends` < `mon`...
// A day no key mentions is closed.
rules::WeeklyHours read_hours(const Reader& r, const Val& v) {
  Fields f(r, v,
           {"daily", "weekdays", "weekends", "mon", "tue", "wed", "thu", "fri", "sat", "sun"});
  if (f.empty()) {
    r.fail(v.mark, v.path, "no hours given (use daily, weekdays, weekends or mon...sun)");
  }
  rules::WeeklyHours hours;
  if (auto d = f.get("daily")) {
    const auto h = read_day_hours(r, *d);
    for (auto& day : hours) day = h;
  }
  if (auto d = f.get("weekdays")) {
    const auto h = read_day_hours(r, *d);
    for (int i = 0; i < 5; ++i) hours[i] = h;
  }
  if (auto d = f.get("weekends")) {
    const auto h = read_day_hours(r, *d);
    hours[5] = h;
    hours[6] = h;
  }
  for (int i = 0; i < 7; ++i) {
    if (auto d = f.get(kDayKeys[i])) hours[i] = read_day_hours(r, *d);
  }
  return hours;
}

using Calendars = std::map<std::string, std::vector<absl::CivilDay>>;

Calendars read_calendars(const Reader& r, const std::optional<Val>& v) {
  Calendars calendars;
  if (!v) return calendars;
  for (const Entry& e : read_entries(r, *v)) {
    if (absl::StripAsciiWhitespace(e.key).empty()) {
      r.fail(e.key_mark, v->path, "empty calendar name");
    }
    calendars[e.key] = read_dates(r, e.value);
  }
  return calendars;
}

struct WindowSource {
  rules::ContactWindowRule rule;
  Val where;
};

rules::ContactWindowRule read_window(const Reader& r, const Val& v, const Calendars& calendars) {
  Fields f(r, v, {"name", "jurisdictions", "channel", "hours", "closed_dates", "holidays"});
  rules::ContactWindowRule w;
  w.name = read_nonempty_string(r, f.need("name"));
  if (auto j = f.get("jurisdictions")) {
    for (const Val& item : read_seq(r, *j)) {
      std::string code = read_string(r, item);
      check_jurisdiction(r, item.mark, item.path, code);
      if (std::find(w.jurisdictions.begin(), w.jurisdictions.end(), code) !=
          w.jurisdictions.end()) {
        r.fail(item.mark, item.path, absl::StrCat("duplicate jurisdiction '", code, "'"));
      }
      w.jurisdictions.push_back(std::move(code));
    }
  }
  if (auto c = f.get("channel")) w.channel = read_channel(r, *c);
  w.hours = read_hours(r, f.need("hours"));
  if (auto d = f.get("closed_dates")) w.closed_dates = read_dates(r, *d);
  if (auto h = f.get("holidays")) {
    for (const Val& item : read_seq(r, *h)) {
      std::string name = read_string(r, item);
      auto it = calendars.find(name);
      if (it == calendars.end()) {
        r.fail(item.mark, item.path,
               absl::StrCat("unknown holiday calendar '", name,
                            "' (define it under holiday_calendars)"));
      }
      w.closed_dates.insert(w.closed_dates.end(), it->second.begin(), it->second.end());
    }
  }
  std::sort(w.closed_dates.begin(), w.closed_dates.end());
  w.closed_dates.erase(std::unique(w.closed_dates.begin(), w.closed_dates.end()),
                       w.closed_dates.end());
  return w;
}

// "Most specific match wins" needs a single most specific window: two windows
// for the same channel (or both for every channel) may not share a jurisdiction.
void check_window_conflicts(const Reader& r, const std::vector<WindowSource>& windows) {
  for (std::size_t j = 1; j < windows.size(); ++j) {
    const rules::ContactWindowRule& b = windows[j].rule;
    for (std::size_t i = 0; i < j; ++i) {
      const rules::ContactWindowRule& a = windows[i].rule;
      if (a.channel != b.channel) continue;
      if (a.jurisdictions.empty() && b.jurisdictions.empty()) {
        r.fail(
            windows[j].where.mark, windows[j].where.path,
            absl::StrCat("window '", b.name,
                         "' covers the same channel and jurisdictions as window '", a.name, "'"));
      }
      for (const std::string& code : b.jurisdictions) {
        if (std::find(a.jurisdictions.begin(), a.jurisdictions.end(), code) !=
            a.jurisdictions.end()) {
          r.fail(windows[j].where.mark, windows[j].where.path,
                 absl::StrCat("window '", b.name, "' covers the same channel and jurisdiction '",
                              code, "' as window '", a.name, "'"));
        }
      }
    }
  }
}

// ---------------------------------------------------------------------------
// Caps and gaps.
// ---------------------------------------------------------------------------

rules::FrequencyCapRule read_cap(const Reader& r, const Val& v) {
  Fields f(r, v, {"name", "channel", "scope", "max", "in_any", "per", "action"});
  rules::FrequencyCapRule cap;
  cap.name = read_nonempty_string(r, f.need("name"));
  if (auto c = f.get("channel")) cap.channel = read_channel(r, *c);
  if (auto s = f.get("scope")) {
    cap.scope = read_word(r, *s, {"customer", "debt"}) == "debt" ? rules::CapScope::kDebt
                                                                 : rules::CapScope::kCustomer;
  }
  cap.max = static_cast<int>(read_int(r, f.need("max"), 1, 10000));
  const std::optional<Val> in_any = f.get("in_any");
  const std::optional<Val> per = f.get("per");
  if (in_any && per) {
    r.fail(f.key_mark("per"), f.path(), "give either in_any or per, not both");
  }
  if (in_any) {
    cap.period = rules::CapPeriod::kRolling;
    cap.rolling = read_duration(r, *in_any);
  } else if (per) {
    read_word(r, *per, {"local_day"});
    cap.period = rules::CapPeriod::kLocalDay;
  } else {
    r.fail(f.mark(), f.path(), "missing the period: give in_any (such as 7d) or per: local_day");
  }
  if (auto a = f.get("action")) {
    cap.action = read_word(r, *a, {"suppress", "defer"}) == "defer" ? rules::CapAction::kDefer
                                                                    : rules::CapAction::kSuppress;
  }
  return cap;
}

rules::MinGapRule read_gap(const Reader& r, const Val& v) {
  Fields f(r, v, {"name", "channel", "gap"});
  rules::MinGapRule gap;
  gap.name = read_nonempty_string(r, f.need("name"));
  if (auto c = f.get("channel")) gap.channel = read_channel(r, *c);
  gap.gap = read_duration(r, f.need("gap"));
  return gap;
}

rules::SuppressionRules read_suppressions(const Reader& r, const Val& v) {
  Fields f(r, v,
           {"promise_grace_days", "hardship_pause_days", "right_party_block_days",
            "dispute_stops_account_only"});
  rules::SuppressionRules s;
  if (auto x = f.get("promise_grace_days")) {
    s.promise_grace_days = static_cast<int>(read_int(r, *x, 0, 365));
  }
  if (auto x = f.get("hardship_pause_days")) {
    s.hardship_pause_days = static_cast<int>(read_int(r, *x, 0, 3650));
  }
  if (auto x = f.get("right_party_block_days")) {
    s.right_party_block_days = static_cast<int>(read_int(r, *x, 0, 365));
  }
  if (auto x = f.get("dispute_stops_account_only")) s.dispute_stops_account_only = read_bool(r, *x);
  return s;
}

// ---------------------------------------------------------------------------
// Strategy buckets.
// ---------------------------------------------------------------------------

std::string dpd_range(const rules::StrategyBucket& b) {
  if (b.dpd_max == kUnboundedDpd) return absl::StrCat(b.dpd_min, "+");
  return absl::StrCat(b.dpd_min, "-", b.dpd_max);
}

rules::StrategyStep read_step(const Reader& r, const Val& v, const rules::StrategyBucket& bucket) {
  Fields f(r, v, {"channel", "template", "at_dpd", "repeat_every_days", "priority", "queue"});
  rules::StrategyStep step;
  step.channel = read_channel(r, f.need("channel"));
  step.template_id = read_nonempty_string(r, f.need("template"));
  if (auto a = f.get("at_dpd")) {
    for (const Val& item : read_seq(r, *a)) {
      const int dpd = static_cast<int>(read_int(r, item, 0, kMaxDpd));
      if (dpd < bucket.dpd_min || dpd > bucket.dpd_max) {
        r.fail(item.mark, item.path,
               absl::StrCat("DPD ", dpd, " is outside bucket '", bucket.name, "' (DPD ",
                            dpd_range(bucket), ")"));
      }
      if (std::find(step.at_dpd.begin(), step.at_dpd.end(), dpd) != step.at_dpd.end()) {
        r.fail(item.mark, item.path, absl::StrCat("duplicate DPD ", dpd));
      }
      step.at_dpd.push_back(dpd);
    }
    std::sort(step.at_dpd.begin(), step.at_dpd.end());
  }
  if (auto x = f.get("repeat_every_days")) {
    step.repeat_every_days = static_cast<int>(read_int(r, *x, 0, 365));
  }
  if (step.at_dpd.empty() && step.repeat_every_days == 0) {
    r.fail(f.mark(), f.path(), "the step never fires: give at_dpd or repeat_every_days");
  }
  if (auto x = f.get("priority")) step.priority = static_cast<int>(read_int(r, *x, -1000, 1000));
  if (auto q = f.get("queue")) {
    if (step.channel != Channel::kCall) {
      r.fail(f.key_mark("queue"), f.path(), "queue applies to call steps only");
    }
    step.queue = read_nonempty_string(r, *q);
  }
  return step;
}

struct BucketSource {
  rules::StrategyBucket bucket;
  Val where;
  YAML::Mark handoff_mark;
};

BucketSource read_bucket(const Reader& r, const Val& v) {
  Fields f(r, v, {"name", "dpd_min", "dpd_max", "steps", "handoff"});
  BucketSource src{{}, v, v.mark};
  rules::StrategyBucket& b = src.bucket;
  b.name = read_nonempty_string(r, f.need("name"));
  b.dpd_min = static_cast<int>(read_int(r, f.need("dpd_min"), 0, kMaxDpd));
  b.dpd_max = kUnboundedDpd;
  if (auto m = f.get("dpd_max")) {
    b.dpd_max = static_cast<int>(read_int(r, *m, 0, kMaxDpd));
    if (b.dpd_max < b.dpd_min) {
      r.fail(m->mark, m->path,
             absl::StrCat("must not be below dpd_min ", b.dpd_min, ", got ", b.dpd_max));
    }
  }
  if (auto s = f.get("steps")) {
    for (const Val& item : read_seq(r, *s)) b.steps.push_back(read_step(r, item, b));
  }
  if (auto h = f.get("handoff")) {
    Fields hf(r, *h, {"template", "queue"});
    b.handoff = true;
    b.handoff_template = read_nonempty_string(r, hf.need("template"));
    b.handoff_queue = read_nonempty_string(r, hf.need("queue"));
    src.handoff_mark = f.key_mark("handoff");
  }
  return src;
}

std::vector<rules::StrategyBucket> read_buckets(const Reader& r, const Val& v) {
  std::vector<BucketSource> sources;
  NameSet names("bucket");
  std::vector<Val> items = read_seq(r, v);
  if (items.empty()) r.fail(v.mark, v.path, "at least one bucket is required");
  for (const Val& item : items) {
    sources.push_back(read_bucket(r, item));
    names.add(r, item, sources.back().bucket.name);
  }
  std::stable_sort(sources.begin(), sources.end(),
                   [](const BucketSource& a, const BucketSource& b) {
                     return a.bucket.dpd_min < b.bucket.dpd_min;
                   });
  for (std::size_t i = 1; i < sources.size(); ++i) {
    const rules::StrategyBucket& prev = sources[i - 1].bucket;
    const rules::StrategyBucket& cur = sources[i].bucket;
    if (cur.dpd_min <= prev.dpd_max) {
      // Point at whichever of the two comes later in the file.
      const BucketSource& later =
          sources[i].where.mark.pos > sources[i - 1].where.mark.pos ? sources[i] : sources[i - 1];
      const BucketSource& other = &later == &sources[i] ? sources[i - 1] : sources[i];
      r.fail(later.where.mark, later.where.path,
             absl::StrCat("bucket '", later.bucket.name, "' (DPD ", dpd_range(later.bucket),
                          ") overlaps bucket '", other.bucket.name, "' (DPD ",
                          dpd_range(other.bucket), ")"));
    }
  }
  for (std::size_t i = 0; i + 1 < sources.size(); ++i) {
    if (sources[i].bucket.handoff) {
      r.fail(sources[i].handoff_mark, sources[i].where.path,
             absl::StrCat("handoff must be in the last bucket, but bucket '",
                          sources[i + 1].bucket.name, "' (DPD ", dpd_range(sources[i + 1].bucket),
                          ") follows bucket '", sources[i].bucket.name, "'"));
    }
  }
  std::vector<rules::StrategyBucket> buckets;
  buckets.reserve(sources.size());
  for (BucketSource& s : sources) buckets.push_back(std::move(s.bucket));
  return buckets;
}

// ---------------------------------------------------------------------------
// Pacing: downstream capacity (whole group) and the spread of openings.
// ---------------------------------------------------------------------------

rules::PacingRules read_pacing(const Reader& r, const Val& v,
                               const std::vector<rules::StrategyBucket>& buckets) {
  Fields f(r, v, {"spread_minutes", "sms_per_second", "email_per_second", "call_tasks_per_hour"});
  rules::PacingRules p;
  if (auto x = f.get("spread_minutes")) p.spread = absl::Minutes(read_int(r, *x, 0, 240));
  if (auto x = f.get("sms_per_second")) {
    p.sms = {static_cast<int>(read_int(r, *x, 1, 1'000'000)), absl::Seconds(1)};
  }
  if (auto x = f.get("email_per_second")) {
    p.email = {static_cast<int>(read_int(r, *x, 1, 1'000'000)), absl::Seconds(1)};
  }
  if (auto calls = f.get("call_tasks_per_hour")) {
    // A queue no step uses is a typo that would leave the real queue unpaced.
    absl::flat_hash_set<std::string> queues;
    for (const auto& b : buckets) {
      for (const auto& step : b.steps) {
        if (!step.queue.empty()) queues.insert(step.queue);
      }
      if (b.handoff) queues.insert(b.handoff_queue);
    }
    for (const Entry& e : read_entries(r, *calls)) {
      const int per_hour = static_cast<int>(read_int(r, e.value, 1, 10'000'000));
      if (e.key == "default") {
        p.call_default = {per_hour, absl::Hours(1)};
      } else if (!queues.contains(e.key)) {
        r.fail(e.key_mark, calls->path,
               absl::StrCat("unknown queue '", e.key,
                            "': no call step or hand-off uses it (\"default\" paces the others)"));
      } else {
        p.call_per_hour_by_queue[e.key] = per_hour;
      }
    }
  }
  return p;
}

// ---------------------------------------------------------------------------
// The whole policy.
// ---------------------------------------------------------------------------

rules::Policy read_policy(const Reader& r, const Val& root) {
  Fields f(r, root,
           {"name", "version", "consolidate", "buckets", "windows", "holiday_calendars", "caps",
            "min_gaps", "suppressions", "jurisdiction_zones", "unknown_location_zones",
            "opt_out_instructions", "pacing"});
  rules::Policy p;
  p.name = read_nonempty_string(r, f.need("name"));
  p.version = read_nonempty_string(r, f.need("version"));
  if (auto c = f.get("consolidate")) p.consolidate = read_bool(r, *c);

  p.buckets = read_buckets(r, f.need("buckets"));

  const Calendars calendars = read_calendars(r, f.get("holiday_calendars"));
  {
    const Val windows = f.need("windows");
    std::vector<WindowSource> sources;
    NameSet names("window");
    for (const Val& item : read_seq(r, windows)) {
      sources.push_back(WindowSource{read_window(r, item, calendars), item});
      names.add(r, item, sources.back().rule.name);
    }
    if (sources.empty()) r.fail(windows.mark, windows.path, "at least one window is required");
    check_window_conflicts(r, sources);
    for (WindowSource& s : sources) p.windows.push_back(std::move(s.rule));
  }

  if (auto caps = f.get("caps")) {
    NameSet names("cap");
    for (const Val& item : read_seq(r, *caps)) {
      p.caps.push_back(read_cap(r, item));
      names.add(r, item, p.caps.back().name);
    }
  }
  if (auto gaps = f.get("min_gaps")) {
    NameSet names("min_gap");
    for (const Val& item : read_seq(r, *gaps)) {
      p.min_gaps.push_back(read_gap(r, item));
      names.add(r, item, p.min_gaps.back().name);
    }
  }
  if (auto s = f.get("suppressions")) p.suppressions = read_suppressions(r, *s);

  if (auto jz = f.get("jurisdiction_zones")) {
    for (const Entry& e : read_entries(r, *jz)) {
      check_jurisdiction(r, e.key_mark, jz->path, e.key);
      std::vector<std::string> zones = read_zones(r, e.value);
      if (zones.empty()) r.fail(e.value.mark, e.value.path, "at least one time zone is required");
      p.jurisdiction_zones[e.key] = std::move(zones);
    }
  }
  if (auto u = f.get("unknown_location_zones")) p.unknown_location_zones = read_zones(r, *u);
  if (auto pacing = f.get("pacing")) p.pacing = read_pacing(r, *pacing, p.buckets);

  if (auto o = f.get("opt_out_instructions")) {
    Fields of(r, *o, {"sms", "email", "call"});
    for (Channel c : rules::kAllChannels) {
      const std::string_view key = rules::channel_name(c);
      if (auto text = of.get(absl::string_view(key.data(), key.size()))) {
        p.opt_out_instruction[rules::channel_index(c)] = read_nonempty_string(r, *text);
      }
    }
  }
  return p;
}

}  // namespace

Loaded<rules::PolicyPtr> parse_policy(std::string_view yaml_text, std::string_view source_name) {
  const std::string source(source_name);
  const Reader r(source);
  try {
    const Val root = load_root(r, std::string(yaml_text), "policy");
    return rules::PolicyPtr(std::make_shared<const rules::Policy>(read_policy(r, root)));
  } catch (const Invalid& e) {
    return e.error;
  } catch (const YAML::Exception& e) {
    return ConfigError{r.where(e.mark), absl::StrCat("YAML syntax error: ", e.msg)};
  } catch (const std::exception& e) {
    return ConfigError{source, absl::StrCat("cannot load policy: ", e.what())};
  }
}

Loaded<rules::PolicyPtr> load_policy_file(const std::string& path) {
  std::variant<std::string, ConfigError> text = read_file(path);
  if (auto* error = std::get_if<ConfigError>(&text)) return std::move(*error);
  return parse_policy(std::get<std::string>(text), path);
}

}  // namespace reminder::config
