#include "config/policy_loader.h"

#include <absl/time/civil_time.h>
#include <absl/time/time.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <variant>

namespace reminder::config {
namespace {

using rules::CapAction;
using rules::CapPeriod;
using rules::CapScope;
using rules::Channel;
using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::StartsWith;

std::string source_dir() {
  const char* dir = std::getenv("REMINDERD_SOURCE_DIR");
  return dir != nullptr ? dir : "";
}

std::string read_text(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

// The policy, or a test failure carrying the loader's error.
rules::PolicyPtr expect_policy(const Loaded<rules::PolicyPtr>& loaded) {
  if (const auto* error = std::get_if<ConfigError>(&loaded)) {
    ADD_FAILURE() << "unexpected error: " << error->to_string();
    return nullptr;
  }
  return std::get<rules::PolicyPtr>(loaded);
}

std::string expect_error(const Loaded<rules::PolicyPtr>& loaded) {
  if (const auto* error = std::get_if<ConfigError>(&loaded)) return error->to_string();
  ADD_FAILURE() << "expected an error, the policy loaded";
  return "";
}

const rules::FrequencyCapRule* find_cap(const rules::Policy& p, const std::string& name) {
  for (const auto& cap : p.caps) {
    if (cap.name == name) return &cap;
  }
  return nullptr;
}

// A small valid policy that inline tests extend.
constexpr char kMinimal[] = R"(name: t
version: "1"
buckets:
  - name: early
    dpd_min: 1
    dpd_max: 29
    steps:
      - channel: sms
        template: sms.early
        at_dpd: [1]
windows:
  - name: all
    hours:
      daily: "08:00-21:00"
)";

class PresetTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_FALSE(source_dir().empty()) << "REMINDERD_SOURCE_DIR is not set (ctest sets it)";
  }
  rules::PolicyPtr load(const std::string& name) {
    return expect_policy(load_policy_file(source_dir() + "/deploy/policies/" + name));
  }
};

// --- The shipped presets -----------------------------------------------------

TEST_F(PresetTest, UsRegFLoadsWithRegulationFNumbers) {
  rules::PolicyPtr p = load("us-reg-f.yaml");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name, "us-reg-f");
  EXPECT_FALSE(p->version.empty());
  EXPECT_TRUE(p->consolidate);

  // 7 call attempts in any 7 consecutive days, per debt.
  const rules::FrequencyCapRule* reg_f = find_cap(*p, "reg-f-call-attempts");
  ASSERT_NE(reg_f, nullptr);
  EXPECT_EQ(reg_f->channel, Channel::kCall);
  EXPECT_EQ(reg_f->scope, CapScope::kDebt);
  EXPECT_EQ(reg_f->period, CapPeriod::kRolling);
  EXPECT_EQ(reg_f->rolling, absl::Hours(7 * 24));
  EXPECT_EQ(reg_f->max, 7);
  EXPECT_EQ(reg_f->action, CapAction::kSuppress);

  EXPECT_EQ(p->suppressions.right_party_block_days, 7);

  // 08:00-21:00 every day, for every channel and jurisdiction.
  ASSERT_EQ(p->windows.size(), 1u);
  const rules::ContactWindowRule& w = p->windows[0];
  EXPECT_FALSE(w.channel.has_value());
  EXPECT_THAT(w.jurisdictions, IsEmpty());
  for (const auto& day : w.hours) {
    ASSERT_TRUE(day.has_value());
    EXPECT_EQ(day->open_minute, 8 * 60);
    EXPECT_EQ(day->close_minute, 21 * 60);
  }
  EXPECT_THAT(w.closed_dates, Contains(absl::CivilDay(2026, 11, 26)));  // Thanksgiving
  EXPECT_THAT(w.closed_dates, Contains(absl::CivilDay(2027, 12, 31)));  // New Year 2028 observed
  EXPECT_TRUE(std::is_sorted(w.closed_dates.begin(), w.closed_dates.end()));

  // An unknown state: every US zone, Alaska and Hawaii included.
  ASSERT_TRUE(p->jurisdiction_zones.contains("US"));
  const auto& us = p->jurisdiction_zones.at("US");
  for (const char* zone :
       {"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
        "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu"}) {
    EXPECT_THAT(us, Contains(zone));
  }
  EXPECT_THAT(p->jurisdiction_zones.at("US-NY"), ElementsAre("America/New_York"));
  EXPECT_EQ(p->unknown_location_zones, us);

  // Opt-out text in every SMS and email.
  EXPECT_FALSE(p->opt_out_instruction[rules::channel_index(Channel::kSms)].empty());
  EXPECT_FALSE(p->opt_out_instruction[rules::channel_index(Channel::kEmail)].empty());
  EXPECT_TRUE(p->opt_out_instruction[rules::channel_index(Channel::kCall)].empty());

  // Strategy: early SMS at 1, 5, 10; hand-off at 90+ in the last bucket.
  ASSERT_EQ(p->buckets.size(), 4u);
  const rules::StrategyBucket& early = p->buckets.front();
  EXPECT_EQ(early.name, "early");
  EXPECT_EQ(early.dpd_min, 1);
  EXPECT_EQ(early.dpd_max, 29);
  ASSERT_FALSE(early.steps.empty());
  EXPECT_EQ(early.steps[0].channel, Channel::kSms);
  EXPECT_THAT(early.steps[0].at_dpd, ElementsAre(1, 5, 10));
  const rules::StrategyBucket& last = p->buckets.back();
  EXPECT_TRUE(last.handoff);
  EXPECT_EQ(last.dpd_min, 90);
  EXPECT_EQ(last.dpd_max, kUnboundedDpd);
  EXPECT_FALSE(last.handoff_template.empty());
  EXPECT_FALSE(last.handoff_queue.empty());
}

TEST_F(PresetTest, CnDefaultLoadsWithChineseGuidanceNumbers) {
  rules::PolicyPtr p = load("cn-default.yaml");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->name, "cn-default");

  // No contact 22:00-08:00.
  ASSERT_FALSE(p->windows.empty());
  for (const auto& w : p->windows) {
    for (const auto& day : w.hours) {
      ASSERT_TRUE(day.has_value());
      EXPECT_EQ(day->open_minute, 8 * 60);
      EXPECT_EQ(day->close_minute, 22 * 60);
    }
    EXPECT_THAT(w.closed_dates, Contains(absl::CivilDay(2026, 2, 17)));  // Spring Festival
    EXPECT_THAT(w.closed_dates, Contains(absl::CivilDay(2027, 2, 6)));
  }

  // At most 3 call tasks per customer per local day.
  const rules::FrequencyCapRule* calls = find_cap(*p, "cn-calls-per-day");
  ASSERT_NE(calls, nullptr);
  EXPECT_EQ(calls->channel, Channel::kCall);
  EXPECT_EQ(calls->scope, CapScope::kCustomer);
  EXPECT_EQ(calls->period, CapPeriod::kLocalDay);
  EXPECT_EQ(calls->max, 3);

  const rules::FrequencyCapRule* sms_day = find_cap(*p, "sms-per-day");
  ASSERT_NE(sms_day, nullptr);
  EXPECT_EQ(sms_day->period, CapPeriod::kLocalDay);
  EXPECT_EQ(sms_day->max, 1);
  const rules::FrequencyCapRule* sms_week = find_cap(*p, "sms-per-week");
  ASSERT_NE(sms_week, nullptr);
  EXPECT_EQ(sms_week->period, CapPeriod::kRolling);
  EXPECT_EQ(sms_week->rolling, absl::Hours(7 * 24));
  EXPECT_EQ(sms_week->max, 3);

  EXPECT_THAT(p->jurisdiction_zones.at("CN"), ElementsAre("Asia/Shanghai"));
  EXPECT_THAT(p->unknown_location_zones, ElementsAre("Asia/Shanghai"));
  EXPECT_TRUE(p->buckets.back().handoff);
}

TEST_F(PresetTest, PresetBucketsAreSortedAndDisjoint) {
  for (const char* name : {"us-reg-f.yaml", "cn-default.yaml"}) {
    SCOPED_TRACE(name);
    rules::PolicyPtr p = load(name);
    ASSERT_NE(p, nullptr);
    for (std::size_t i = 1; i < p->buckets.size(); ++i) {
      EXPECT_GT(p->buckets[i].dpd_min, p->buckets[i - 1].dpd_max);
    }
    for (const auto& b : p->buckets) {
      for (const auto& step : b.steps) EXPECT_FALSE(step.template_id.empty());
    }
  }
}

// --- One bad file per mistake, each with its exact message -------------------

struct BadCase {
  const char* file;
  const char* error;
};

void PrintTo(const BadCase& c, std::ostream* os) { *os << c.file; }

const BadCase kBadPolicies[] = {
    {"ambiguous_windows.yaml",
     "ambiguous_windows.yaml:17:5: windows[1]: window 'us-calls' covers the same channel and "
     "jurisdiction 'US' as window 'us'"},
    {"at_dpd_outside_bucket.yaml",
     "at_dpd_outside_bucket.yaml:11:24: buckets[0].steps[0].at_dpd[2]: DPD 35 is outside bucket "
     "'early' (DPD 1-29)"},
    {"bad_bool.yaml", "bad_bool.yaml:16:14: consolidate: expected true or false, got 'yes'"},
    {"bad_cap_scope.yaml",
     "bad_cap_scope.yaml:19:12: caps[0].scope: expected one of customer, debt; got 'account'"},
    {"bad_channel.yaml",
     "bad_channel.yaml:9:18: buckets[0].steps[0].channel: unknown channel 'fax' (expected sms, "
     "email or call)"},
    {"bad_closed_date.yaml",
     "bad_closed_date.yaml:16:32: windows[0].closed_dates[1]: '2026-02-30' is not a valid date"},
    {"bad_duration.yaml",
     "bad_duration.yaml:20:13: caps[0].in_any: expected a duration such as 7d, 24h or 90m, got "
     "'7 days'"},
    {"bad_hours.yaml",
     "bad_hours.yaml:15:14: windows[0].hours.daily: expected HH:MM-HH:MM or closed, got "
     "'8am-9pm'"},
    {"bad_jurisdiction.yaml",
     "bad_jurisdiction.yaml:14:21: windows[0].jurisdictions[0]: 'usa' is not a jurisdiction code "
     "(such as US, US-NY or CN)"},
    {"both_cap_periods.yaml",
     "both_cap_periods.yaml:21:5: caps[0]: give either in_any or per, not both"},
    {"close_before_open.yaml",
     "close_before_open.yaml:15:14: windows[0].hours.daily: closing time 08:00 is not after "
     "opening time 21:00"},
    {"dpd_min_above_max.yaml",
     "dpd_min_above_max.yaml:7:14: buckets[0].dpd_max: must not be below dpd_min 30, got 20"},
    {"duplicate_bucket_name.yaml",
     "duplicate_bucket_name.yaml:12:5: buckets[1]: duplicate bucket name 'early' (first at line "
     "5)"},
    {"duplicate_key.yaml",
     "duplicate_key.yaml:16:5: windows[0]: duplicate key 'name' (first at line 13)"},
    {"duration_too_long.yaml",
     "duration_too_long.yaml:20:13: caps[0].in_any: must be at most 366d, got '400d'"},
    {"empty_hours.yaml",
     "empty_hours.yaml:14:12: windows[0].hours: no hours given (use daily, weekdays, weekends or "
     "mon...sun)"},
    {"empty_policy.yaml", "empty_policy.yaml: empty policy (expected a map)"},
    {"empty_template.yaml",
     "empty_template.yaml:10:19: buckets[0].steps[0].template: must not be empty"},
    {"empty_value.yaml", "empty_value.yaml:2:1: name: expected a string, got null"},
    {"empty_zone_list.yaml",
     "empty_zone_list.yaml:17:10: jurisdiction_zones.US-NY: at least one time zone is required"},
    {"handoff_missing_queue.yaml",
     "handoff_missing_queue.yaml:15:7: buckets[1].handoff: missing required key 'queue'"},
    {"handoff_not_last.yaml",
     "handoff_not_last.yaml:15:5: buckets[1]: handoff must be in the last bucket, but bucket 'm3' "
     "(DPD 90+) follows bucket 'm2'"},
    {"localtime_zone.yaml",
     "localtime_zone.yaml:16:26: unknown_location_zones[0]: 'localtime' is not an IANA time zone "
     "name"},
    {"missing_cap_period.yaml",
     "missing_cap_period.yaml:17:5: caps[0]: missing the period: give in_any (such as 7d) or per: "
     "local_day"},
    {"missing_template.yaml",
     "missing_template.yaml:9:9: buckets[0].steps[0]: missing required key 'template'"},
    {"missing_version.yaml", "missing_version.yaml:2:1: missing required key 'version'"},
    {"no_buckets.yaml", "no_buckets.yaml:4:10: buckets: at least one bucket is required"},
    {"not_a_map.yaml", "not_a_map.yaml:2:1: expected a map at the top level, got a sequence"},
    {"open_ended_bucket_not_last.yaml",
     "open_ended_bucket_not_last.yaml:7:5: buckets[1]: bucket 'm3' (DPD 90-120) overlaps bucket "
     "'late' (DPD 60+)"},
    {"opening_at_24.yaml",
     "opening_at_24.yaml:16:12: windows[0].hours.sat: '24:00' is not a valid opening time"},
    {"overlapping_buckets.yaml",
     "overlapping_buckets.yaml:12:5: buckets[1]: bucket 'm1' (DPD 25-59) overlaps bucket 'early' "
     "(DPD 1-29)"},
    {"pacing_unknown_queue.yaml",
     "pacing_unknown_queue.yaml:19:5: pacing.call_tasks_per_hour: unknown queue 'colections': no "
     "call step or hand-off uses it (\"default\" paces the others)"},
    {"pacing_zero_rate.yaml",
     "pacing_zero_rate.yaml:18:19: pacing.sms_per_second: must be at least 1, got 0"},
    {"pacing_unknown_key.yaml",
     "pacing_unknown_key.yaml:18:3: pacing: unknown key 'sms_per_minute' (expected one of: "
     "spread_minutes, sms_per_second, email_per_second, call_tasks_per_hour)"},
    {"pacing_spread_too_long.yaml",
     "pacing_spread_too_long.yaml:18:19: pacing.spread_minutes: must be at most 240, got 600"},
    {"queue_on_sms.yaml",
     "queue_on_sms.yaml:12:9: buckets[0].steps[0]: queue applies to call steps only"},
    {"quoted_integer.yaml",
     "quoted_integer.yaml:19:10: caps[0].max: expected an integer, got the string \"7\""},
    {"scalar_for_map.yaml", "scalar_for_map.yaml:16:15: suppressions: expected a map, got 'yes'"},
    {"step_never_fires.yaml",
     "step_never_fires.yaml:9:9: buckets[0].steps[0]: the step never fires: give at_dpd or "
     "repeat_every_days"},
    {"two_documents.yaml", "two_documents.yaml:16:1: expected one YAML document, found 2"},
    {"unknown_cap_key.yaml",
     "unknown_cap_key.yaml:19:5: caps[0]: unknown key 'maximum' (expected one of: name, channel, "
     "scope, max, in_any, per, action)"},
    {"unknown_day_key.yaml",
     "unknown_day_key.yaml:16:7: windows[0].hours: unknown key 'saturday' (expected one of: "
     "daily, weekdays, weekends, mon, tue, wed, thu, fri, sat, sun)"},
    {"unknown_holiday_calendar.yaml",
     "unknown_holiday_calendar.yaml:16:16: windows[0].holidays[0]: unknown holiday calendar "
     "'us-federal' (define it under holiday_calendars)"},
    {"unknown_top_level_key.yaml",
     "unknown_top_level_key.yaml:16:1: unknown key 'strategy' (expected one of: name, version, "
     "consolidate, buckets, windows, holiday_calendars, caps, min_gaps, suppressions, "
     "jurisdiction_zones, unknown_location_zones, opt_out_instructions, pacing)"},
    {"leading_comma.yaml",  // yaml-cpp 0.7 hangs on such input (fuzzing)
     "leading_comma.yaml:3:1: a line may not start with ',' (put the comma at the end of the previous line)"},
    {"unknown_zone.yaml",
     "unknown_zone.yaml:17:26: jurisdiction_zones.US[1]: unknown time zone 'America/Nowhere' (not "
     "in the tz database on this host)"},
    {"yaml_syntax_error.yaml",
     "yaml_syntax_error.yaml:12:8: YAML syntax error: end of sequence flow not found"},
    {"zero_cap.yaml", "zero_cap.yaml:19:10: caps[0].max: must be at least 1, got 0"},
    {"zero_gap.yaml", "zero_gap.yaml:18:10: min_gaps[0].gap: must be greater than zero, got '0h'"},
};

std::string bad_dir() { return source_dir() + "/tests/config/bad"; }

class BadPolicyTest : public ::testing::TestWithParam<BadCase> {};

TEST_P(BadPolicyTest, FailsWithExactMessage) {
  ASSERT_FALSE(source_dir().empty()) << "REMINDERD_SOURCE_DIR is not set (ctest sets it)";
  const BadCase& c = GetParam();
  const std::string path = bad_dir() + "/" + c.file;
  ASSERT_TRUE(std::filesystem::is_regular_file(path)) << path;
  // Parsed under the bare file name so the expected text does not depend on the checkout.
  EXPECT_EQ(expect_error(parse_policy(read_text(path), c.file)), c.error);
}

INSTANTIATE_TEST_SUITE_P(Files, BadPolicyTest, ::testing::ValuesIn(kBadPolicies),
                         [](const ::testing::TestParamInfo<BadCase>& info) {
                           std::string name = std::filesystem::path(info.param.file).stem();
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(BadPolicyFiles, EveryFileHasAnExpectedMessage) {
  ASSERT_FALSE(source_dir().empty());
  std::set<std::string> listed;
  for (const BadCase& c : kBadPolicies) listed.insert(c.file);
  std::set<std::string> on_disk;
  for (const auto& entry : std::filesystem::directory_iterator(bad_dir())) {
    on_disk.insert(entry.path().filename().string());
  }
  EXPECT_EQ(on_disk, listed);
}

// --- Loader behaviour --------------------------------------------------------

TEST(PolicyLoader, FileErrorsCarryTheFullPath) {
  ASSERT_FALSE(source_dir().empty());
  const std::string path = bad_dir() + "/zero_cap.yaml";
  EXPECT_EQ(expect_error(load_policy_file(path)),
            path + ":19:10: caps[0].max: must be at least 1, got 0");
}

TEST(PolicyLoader, MissingFileIsAnErrorWithoutPosition) {
  const auto loaded = load_policy_file("/nonexistent/policy.yaml");
  ASSERT_TRUE(std::holds_alternative<ConfigError>(loaded));
  const ConfigError& e = std::get<ConfigError>(loaded);
  EXPECT_EQ(e.where, "/nonexistent/policy.yaml");
  EXPECT_EQ(e.message, "cannot open: No such file or directory");
  EXPECT_EQ(e.to_string(), "/nonexistent/policy.yaml: cannot open: No such file or directory");
}

TEST(PolicyLoader, DirectoryIsAnError) {
  const std::string dir = std::filesystem::temp_directory_path().string();
  EXPECT_EQ(expect_error(load_policy_file(dir)), dir + ": cannot read: Is a directory");
}

TEST(PolicyLoader, MinimalPolicyHasDocumentedDefaults) {
  rules::PolicyPtr p = expect_policy(parse_policy(kMinimal, "min.yaml"));
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->consolidate);
  EXPECT_THAT(p->caps, IsEmpty());
  EXPECT_THAT(p->min_gaps, IsEmpty());
  EXPECT_THAT(p->jurisdiction_zones, IsEmpty());
  EXPECT_THAT(p->unknown_location_zones, IsEmpty());
  EXPECT_EQ(p->suppressions.promise_grace_days, 0);
  EXPECT_EQ(p->suppressions.hardship_pause_days, 0);
  EXPECT_EQ(p->suppressions.right_party_block_days, 0);
  EXPECT_TRUE(p->suppressions.dispute_stops_account_only);
  ASSERT_EQ(p->windows.size(), 1u);
  EXPECT_FALSE(p->windows[0].channel.has_value());
  ASSERT_EQ(p->buckets.size(), 1u);
  EXPECT_EQ(p->buckets[0].steps[0].repeat_every_days, 0);
  EXPECT_EQ(p->buckets[0].steps[0].priority, 0);
  EXPECT_FALSE(p->buckets[0].handoff);
}

TEST(PolicyLoader, PacingIsOffUnlessConfigured) {
  rules::PolicyPtr p = expect_policy(parse_policy(kMinimal, "min.yaml"));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->pacing.spread, absl::ZeroDuration());
  for (auto ch : rules::kAllChannels) EXPECT_FALSE(p->pacing.capacity(ch, "any").paced());
}

TEST(PolicyLoader, PacingCapacitiesPerChannelAndCallQueue) {
  const std::string yaml = R"(name: t
version: "1"
buckets:
  - name: early
    dpd_min: 1
    dpd_max: 29
    steps:
      - {channel: sms, template: s, at_dpd: [1]}
      - {channel: call, template: c, at_dpd: [5], queue: early-calls}
    handoff: {template: h, queue: legal}
windows:
  - name: all
    hours:
      daily: "08:00-21:00"
pacing:
  spread_minutes: 20
  sms_per_second: 250
  email_per_second: 1000
  call_tasks_per_hour:
    default: 400
    early-calls: 120
)";
  rules::PolicyPtr p = expect_policy(parse_policy(yaml, "pacing.yaml"));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->pacing.spread, absl::Minutes(20));
  EXPECT_EQ(p->pacing.capacity(Channel::kSms, ""), (rules::ChannelCapacity{250, absl::Seconds(1)}));
  EXPECT_EQ(p->pacing.capacity(Channel::kEmail, ""), (rules::ChannelCapacity{1000, absl::Seconds(1)}));
  EXPECT_EQ(p->pacing.capacity(Channel::kCall, "early-calls"), (rules::ChannelCapacity{120, absl::Hours(1)}));
  EXPECT_EQ(p->pacing.capacity(Channel::kCall, "legal"), (rules::ChannelCapacity{400, absl::Hours(1)}));
}

TEST(PolicyLoader, SortsBucketsByDpdMin) {
  // Buckets written out of order: late first.
  const std::string yaml = R"(name: t
version: "1"
buckets:
  - name: late
    dpd_min: 60
    handoff: {template: h, queue: legal}
  - name: mid
    dpd_min: 30
    dpd_max: 59
  - name: early
    dpd_min: 1
    dpd_max: 29
windows:
  - name: all
    hours: {daily: "08:00-21:00"}
)";
  rules::PolicyPtr p = expect_policy(parse_policy(yaml, "t.yaml"));
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->buckets.size(), 3u);
  EXPECT_EQ(p->buckets[0].name, "early");
  EXPECT_EQ(p->buckets[1].name, "mid");
  EXPECT_EQ(p->buckets[2].name, "late");
  EXPECT_TRUE(p->buckets[2].handoff);
  EXPECT_EQ(p->buckets[2].handoff_queue, "legal");
}

TEST(PolicyLoader, HoursGroupsAreOverriddenBySingleDays) {
  const std::string yaml = R"(name: t
version: "1"
buckets:
  - {name: early, dpd_min: 1, dpd_max: 29}
windows:
  - name: calls
    channel: call
    jurisdictions: [US, US-NY]
    hours:
      daily: "08:00-21:00"
      weekends: "10:00 - 18:00"
      sun: closed
      fri: "08:30-24:00"
)";
  rules::PolicyPtr p = expect_policy(parse_policy(yaml, "t.yaml"));
  ASSERT_NE(p, nullptr);
  const rules::ContactWindowRule& w = p->windows.at(0);
  EXPECT_EQ(w.channel, Channel::kCall);
  EXPECT_THAT(w.jurisdictions, ElementsAre("US", "US-NY"));
  for (int day = 0; day < 4; ++day) {
    ASSERT_TRUE(w.hours[day].has_value());
    EXPECT_EQ(w.hours[day]->open_minute, 480);
    EXPECT_EQ(w.hours[day]->close_minute, 1260);
  }
  ASSERT_TRUE(w.hours[4].has_value());  // Friday
  EXPECT_EQ(w.hours[4]->open_minute, 510);
  EXPECT_EQ(w.hours[4]->close_minute, 1440);
  ASSERT_TRUE(w.hours[5].has_value());  // Saturday, from `weekends`
  EXPECT_EQ(w.hours[5]->open_minute, 600);
  EXPECT_EQ(w.hours[5]->close_minute, 1080);
  EXPECT_FALSE(w.hours[6].has_value());  // Sunday closed
}

TEST(PolicyLoader, UnmentionedDaysAreClosed) {
  const std::string yaml = R"(name: t
version: "1"
buckets: [{name: early, dpd_min: 1, dpd_max: 29}]
windows:
  - name: weekdays-only
    hours: {weekdays: "09:00-17:00"}
)";
  rules::PolicyPtr p = expect_policy(parse_policy(yaml, "t.yaml"));
  ASSERT_NE(p, nullptr);
  EXPECT_TRUE(p->windows[0].hours[0].has_value());
  EXPECT_FALSE(p->windows[0].hours[5].has_value());
  EXPECT_FALSE(p->windows[0].hours[6].has_value());
}

TEST(PolicyLoader, ClosedDatesMergeCalendarsSortedAndUnique) {
  const std::string yaml = R"(name: t
version: "1"
buckets: [{name: early, dpd_min: 1, dpd_max: 29}]
holiday_calendars:
  a: [2026-12-25, 2026-01-01]
  b: [2026-07-04, 2026-01-01]
windows:
  - name: all
    hours: {daily: "08:00-21:00"}
    closed_dates: [2026-05-01, 2026-12-25]
    holidays: [a, b]
)";
  rules::PolicyPtr p = expect_policy(parse_policy(yaml, "t.yaml"));
  ASSERT_NE(p, nullptr);
  EXPECT_THAT(p->windows[0].closed_dates,
              ElementsAre(absl::CivilDay(2026, 1, 1), absl::CivilDay(2026, 5, 1),
                          absl::CivilDay(2026, 7, 4), absl::CivilDay(2026, 12, 25)));
}

TEST(PolicyLoader, CapsGapsAndDurations) {
  const std::string yaml = std::string(kMinimal) + R"(caps:
  - {name: a, channel: email, scope: debt, max: 2, in_any: 1d12h, action: defer}
  - {name: b, max: 3, per: local_day}
min_gaps:
  - {name: g, gap: 90m}
  - {name: h, channel: call, gap: 30s}
suppressions:
  promise_grace_days: 3
  hardship_pause_days: 30
  right_party_block_days: 7
  dispute_stops_account_only: false
opt_out_instructions:
  sms: Reply STOP
)";
  rules::PolicyPtr p = expect_policy(parse_policy(yaml, "t.yaml"));
  ASSERT_NE(p, nullptr);
  ASSERT_EQ(p->caps.size(), 2u);
  EXPECT_EQ(p->caps[0].channel, Channel::kEmail);
  EXPECT_EQ(p->caps[0].scope, CapScope::kDebt);
  EXPECT_EQ(p->caps[0].period, CapPeriod::kRolling);
  EXPECT_EQ(p->caps[0].rolling, absl::Hours(36));
  EXPECT_EQ(p->caps[0].action, CapAction::kDefer);
  EXPECT_FALSE(p->caps[1].channel.has_value());
  EXPECT_EQ(p->caps[1].scope, CapScope::kCustomer);
  EXPECT_EQ(p->caps[1].period, CapPeriod::kLocalDay);
  EXPECT_EQ(p->caps[1].action, CapAction::kSuppress);
  ASSERT_EQ(p->min_gaps.size(), 2u);
  EXPECT_EQ(p->min_gaps[0].gap, absl::Minutes(90));
  EXPECT_FALSE(p->min_gaps[0].channel.has_value());
  EXPECT_EQ(p->min_gaps[1].gap, absl::Seconds(30));
  EXPECT_EQ(p->suppressions.promise_grace_days, 3);
  EXPECT_EQ(p->suppressions.hardship_pause_days, 30);
  EXPECT_EQ(p->suppressions.right_party_block_days, 7);
  EXPECT_FALSE(p->suppressions.dispute_stops_account_only);
  EXPECT_EQ(p->opt_out_instruction[rules::channel_index(Channel::kSms)], "Reply STOP");
}

TEST(PolicyLoader, DurationUnitsComeOnceLargestFirst) {
  for (const char* bad : {"30m1h", "7d7d", "7", "d", "1.5h", "-1d", "1w"}) {
    SCOPED_TRACE(bad);
    const std::string yaml = std::string(kMinimal) + "min_gaps: [{name: g, gap: " + bad + "}]\n";
    EXPECT_EQ(expect_error(parse_policy(yaml, "t.yaml")),
              std::string("t.yaml:15:27: min_gaps[0].gap: expected a duration such as 7d, 24h or "
                          "90m, got '") +
                  bad + "'");
  }
  const std::string yaml = std::string(kMinimal) + "min_gaps: [{name: g, gap: 1d2h3m4s}]\n";
  rules::PolicyPtr p = expect_policy(parse_policy(yaml, "t.yaml"));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->min_gaps[0].gap, absl::Hours(26) + absl::Minutes(3) + absl::Seconds(4));
}

TEST(PolicyLoader, StepsAtDpdSortedAndRepeat) {
  const std::string yaml = R"(name: t
version: 2026.1
buckets:
  - name: m1
    dpd_min: 30
    dpd_max: 59
    steps:
      - {channel: call, template: c, repeat_every_days: 3, queue: q, priority: -5}
      - {channel: sms, template: s, at_dpd: [45, 30]}
windows: [{name: all, hours: {daily: "08:00-21:00"}}]
)";
  rules::PolicyPtr p = expect_policy(parse_policy(yaml, "t.yaml"));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->version, "2026.1");  // a plain number-looking scalar stays text
  const auto& steps = p->buckets[0].steps;
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0].repeat_every_days, 3);
  EXPECT_EQ(steps[0].queue, "q");
  EXPECT_EQ(steps[0].priority, -5);
  EXPECT_THAT(steps[0].at_dpd, IsEmpty());
  EXPECT_THAT(steps[1].at_dpd, ElementsAre(30, 45));
}

TEST(PolicyLoader, DifferentChannelsMayShareJurisdictions) {
  const std::string yaml = R"(name: t
version: "1"
buckets: [{name: early, dpd_min: 1, dpd_max: 29}]
windows:
  - {name: all, hours: {daily: "08:00-21:00"}}
  - {name: us, jurisdictions: [US], hours: {daily: "08:00-21:00"}}
  - {name: us-calls, jurisdictions: [US], channel: call, hours: {weekdays: "09:00-20:00"}}
  - {name: ny, jurisdictions: [US-NY], hours: {daily: "09:00-20:00"}}
)";
  rules::PolicyPtr p = expect_policy(parse_policy(yaml, "t.yaml"));
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->windows.size(), 4u);
}

TEST(PolicyLoader, SecondWindowCoveringEverythingIsAmbiguous) {
  const std::string yaml = std::string(kMinimal) + R"(  - name: again
    hours: {daily: "09:00-20:00"}
)";
  EXPECT_EQ(expect_error(parse_policy(yaml, "t.yaml")),
            "t.yaml:15:5: windows[1]: window 'again' covers the same channel and jurisdictions as "
            "window 'all'");
}

TEST(PolicyLoader, NeverThrowsOnGarbage) {
  const std::string inputs[] = {
      std::string("\0\x01\x02\xff", 4),
      std::string(10000, '['),
      "{{{{",
      "a: &x [*x]",
      "name: [",
      "? [a, b]\n: c\n",
      "name: !!binary aGVsbG8=\nversion: 1\n",
      "\t- tab",
  };
  for (const std::string& text : inputs) {
    Loaded<rules::PolicyPtr> loaded;
    EXPECT_NO_THROW(loaded = parse_policy(text, "g.yaml"));
    EXPECT_TRUE(std::holds_alternative<ConfigError>(loaded));
  }
}

TEST(ConfigErrorTest, ToStringJoinsWhereAndMessage) {
  EXPECT_EQ((ConfigError{"f.yaml:3:5", "bad"}).to_string(), "f.yaml:3:5: bad");
  EXPECT_EQ((ConfigError{"f.yaml", "empty"}).to_string(), "f.yaml: empty");
}

}  // namespace
}  // namespace reminder::config
