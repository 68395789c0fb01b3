// DemoFeed: deterministic for a seed, every event valid, every kind present,
// and the data is the shape the brief asks for (first a profile, currencies
// by jurisdiction, due dates consistent with DPD, DPD hitting step days).

#include "demo/demo_feed.h"

#include <absl/container/flat_hash_map.h>
#include <absl/container/flat_hash_set.h>
#include <absl/time/civil_time.h>
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "ingest/event_decoder.h"
#include "rules/zone_catalog.h"

namespace reminder::demo {
namespace {

using reminder::v1::AccountEvent;

const absl::Time kStart = absl::FromCivil(absl::CivilSecond(2026, 3, 2, 0, 0, 0), absl::UTCTimeZone());

// `calls` calls of next(t, per_call) with t stepping by `step`.
std::vector<AccountEvent> generate(DemoFeedOptions options, int calls, int per_call,
                                   absl::Duration step) {
  DemoFeed feed(options);
  std::vector<AccountEvent> out;
  for (int i = 0; i < calls; ++i) feed.next(kStart + step * i, per_call, out);
  return out;
}

std::string serialize_all(const std::vector<AccountEvent>& events) {
  std::string out;
  for (const auto& e : events) {
    std::string one;
    EXPECT_TRUE(e.SerializeToString(&one));
    out += one;
    out += '\0';
  }
  return out;
}

absl::Time event_time(const AccountEvent& e) {
  return absl::FromUnixSeconds(e.occurred_at().seconds()) + absl::Nanoseconds(e.occurred_at().nanos());
}

TEST(DemoFeed, SameSeedSameEvents) {
  const auto a = generate({.customers = 500, .seed = 7}, 40, 50, absl::Minutes(1));
  const auto b = generate({.customers = 500, .seed = 7}, 40, 50, absl::Minutes(1));
  const auto c = generate({.customers = 500, .seed = 8}, 40, 50, absl::Minutes(1));
  ASSERT_EQ(a.size(), 2000u);
  EXPECT_EQ(serialize_all(a), serialize_all(b));
  EXPECT_NE(serialize_all(a), serialize_all(c));
}

TEST(DemoFeed, CallBoundariesDoNotChangeTheStream) {
  // next(t, 10) twice == next(t, 20) once (the follow-up delinquency of a new
  // customer carries over a call boundary).
  DemoFeed one({.customers = 100, .seed = 3});
  DemoFeed two({.customers = 100, .seed = 3});
  std::vector<AccountEvent> a, b;
  for (int i = 0; i < 50; ++i) one.next(kStart, 7, a);
  two.next(kStart, 350, b);
  EXPECT_EQ(serialize_all(a), serialize_all(b));
}

TEST(DemoFeed, EveryEventIsValid) {
  const auto events = generate({.customers = 3000, .seed = 11}, 300, 200, absl::Minutes(5));
  rules::ZoneCatalog zones;
  const ingest::ValidationLimits limits;  // the daemon's defaults, clock-skew check included
  for (const auto& e : events) {
    const auto rejection = ingest::validate_event(e, e.customer_id(), event_time(e), zones, limits);
    ASSERT_FALSE(rejection.has_value())
        << e.ShortDebugString() << " -> " << ingest::reject_code(rejection->reason) << ": "
        << rejection->detail;
  }
}

TEST(DemoFeed, IdsTimesAndFirstProfile) {
  DemoFeed feed({.customers = 2000, .seed = 42});
  std::vector<AccountEvent> events;
  for (int i = 0; i < 200; ++i) feed.next(kStart + absl::Seconds(37 * i), 100, events);
  ASSERT_EQ(events.size(), 20'000u);
  EXPECT_EQ(feed.produced(), 20'000u);

  absl::flat_hash_set<std::string> ids;
  absl::flat_hash_set<std::string> introduced;
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto& e = events[i];
    EXPECT_EQ(e.event_id(), "demo-42-" + std::to_string(i));
    EXPECT_TRUE(ids.insert(e.event_id()).second);
    EXPECT_EQ(event_time(e), kStart + absl::Seconds(37 * static_cast<int>(i / 100)));
    const auto& cid = e.customer_id();
    ASSERT_EQ(cid.size(), 7u) << cid;
    EXPECT_EQ(cid[0], 'C');
    EXPECT_EQ(cid.find_first_not_of("0123456789", 1), std::string::npos) << cid;
    if (!introduced.contains(cid)) {
      EXPECT_EQ(e.kind_case(), AccountEvent::kProfile) << "first event of " << cid;
      introduced.insert(cid);
    }
  }
  EXPECT_GT(introduced.size(), 1000u);
}

TEST(DemoFeed, TheMixLooksLikeACollectionsPortfolio) {
  const auto events = generate({.customers = 5000, .seed = 5}, 600, 100, absl::Minutes(7));
  std::map<AccountEvent::KindCase, int> kinds;
  std::set<std::string> zone_names;
  std::set<std::string> unknown_zone_jurisdictions;
  std::set<int> dpds;
  std::set<int> results;
  std::set<int> flag_kinds;
  int flags_cleared = 0, cured = 0, not_cured = 0, opted_out = 0;
  absl::flat_hash_map<std::string, std::pair<std::string, std::string>> where;  // zone, jurisdiction
  rules::ZoneCatalog zones;

  for (const auto& e : events) {
    ++kinds[e.kind_case()];
    switch (e.kind_case()) {
      case AccountEvent::kProfile: {
        const auto& p = e.profile();
        zone_names.insert(p.time_zone());
        if (p.time_zone().empty()) unknown_zone_jurisdictions.insert(p.jurisdiction());
        EXPECT_FALSE(p.jurisdiction().empty());
        // A customer never moves in the demo: zone and jurisdiction are fixed.
        auto [it, fresh] = where.try_emplace(e.customer_id(), p.time_zone(), p.jurisdiction());
        if (!fresh) {
          EXPECT_EQ(it->second.first, p.time_zone());
          EXPECT_EQ(it->second.second, p.jurisdiction());
        }
        // Zones consistent with jurisdictions.
        if (p.time_zone() == "Asia/Shanghai") {
          EXPECT_EQ(p.jurisdiction(), "CN");
        }
        if (p.time_zone() == "Europe/London") {
          EXPECT_EQ(p.jurisdiction(), "GB");
        }
        if (p.time_zone().starts_with("America/") || p.time_zone().starts_with("Pacific/")) {
          EXPECT_TRUE(p.jurisdiction().starts_with("US-")) << p.jurisdiction();
        }
        // Fake contact points only.
        const auto& ph = p.phone();
        EXPECT_TRUE(ph.starts_with("+1555") || ph.starts_with("+447700900") ||
                    ph.starts_with("+8613800"))
            << ph;
        if (ph.starts_with("+1")) {
          EXPECT_EQ(ph.size(), 12u) << ph;
        }
        if (ph.starts_with("+86")) {
          EXPECT_EQ(ph.size(), 14u) << ph;
        }
        if (!p.email().empty()) {
          EXPECT_TRUE(p.email().starts_with("cust")) << p.email();
          EXPECT_TRUE(p.email().ends_with("@example.test")) << p.email();
        }
        opted_out += p.opted_out_channels_size() > 0;
        break;
      }
      case AccountEvent::kDelinquency: {
        const auto& d = e.delinquency();
        dpds.insert(d.days_past_due());
        ASSERT_TRUE(where.contains(e.customer_id()));
        const auto& [zone, jurisdiction] = where[e.customer_id()];
        const std::string currency = jurisdiction == "CN"   ? "CNY"
                                     : jurisdiction == "GB" ? "GBP"
                                                            : "USD";
        EXPECT_EQ(d.amount_due().currency_code(), currency) << jurisdiction;
        EXPECT_EQ(d.minimum_due().currency_code(), currency);
        EXPECT_GT(d.amount_due().minor_units(), 0);
        EXPECT_LE(d.minimum_due().minor_units(), d.amount_due().minor_units());
        absl::CivilDay due;
        ASSERT_TRUE(absl::ParseCivilTime(d.due_date(), &due)) << d.due_date();
        const absl::CivilDay occurred_utc = absl::ToCivilDay(event_time(e), absl::UTCTimeZone());
        if (!zone.empty()) {
          // Exactly the local date of occurred_at minus DPD.
          EXPECT_EQ(due + d.days_past_due(), absl::ToCivilDay(event_time(e), *zones.find(zone)))
              << e.ShortDebugString();
        } else {
          EXPECT_LE(std::abs((due + d.days_past_due()) - occurred_utc), 1) << e.ShortDebugString();
        }
        EXPECT_FALSE(e.account_id().empty());
        break;
      }
      case AccountEvent::kPayment:
        (e.payment().cured() ? cured : not_cured)++;
        break;
      case AccountEvent::kContactOutcome:
        results.insert(e.contact_outcome().result());
        break;
      case AccountEvent::kFlag:
        flag_kinds.insert(e.flag().kind());
        flags_cleared += !e.flag().active();
        break;
      case AccountEvent::kPromise:
      case AccountEvent::KIND_NOT_SET:
        break;
    }
  }

  // Every kind, dominated by delinquencies.
  for (auto k : {AccountEvent::kDelinquency, AccountEvent::kPayment, AccountEvent::kPromise,
                 AccountEvent::kContactOutcome, AccountEvent::kFlag, AccountEvent::kProfile}) {
    EXPECT_GT(kinds[k], 0) << "kind " << static_cast<int>(k);
  }
  EXPECT_GT(kinds[AccountEvent::kDelinquency], static_cast<int>(events.size()) / 2);
  EXPECT_GT(cured, 0);
  EXPECT_GT(not_cured, 0);
  EXPECT_GT(flags_cleared, 0);
  EXPECT_GT(opted_out, 0);

  for (const char* z : {"America/New_York", "America/Chicago", "America/Denver", "America/Phoenix",
                        "America/Los_Angeles", "America/Anchorage", "Pacific/Honolulu",
                        "Europe/London", "Asia/Shanghai", ""}) {
    EXPECT_TRUE(zone_names.contains(z)) << "zone '" << z << "'";
  }
  EXPECT_TRUE(unknown_zone_jurisdictions.contains("US-CA"));
  EXPECT_TRUE(unknown_zone_jurisdictions.contains("US"));
  for (int dpd : {1, 3, 5, 8, 10, 14, 15, 18, 30, 60, 90}) {
    EXPECT_TRUE(dpds.contains(dpd)) << "DPD " << dpd;
  }
  for (auto r : {reminder::v1::ContactOutcome::RIGHT_PARTY_CONTACT,
                 reminder::v1::ContactOutcome::NO_ANSWER, reminder::v1::ContactOutcome::DELIVERED,
                 reminder::v1::ContactOutcome::BOUNCED, reminder::v1::ContactOutcome::WRONG_NUMBER,
                 reminder::v1::ContactOutcome::OPT_OUT_REQUESTED}) {
    EXPECT_TRUE(results.contains(r)) << "result " << r;
  }
  for (auto k : {reminder::v1::CustomerFlag::HARDSHIP, reminder::v1::CustomerFlag::COMPLAINT,
                 reminder::v1::CustomerFlag::DISPUTE}) {
    EXPECT_TRUE(flag_kinds.contains(k)) << "flag " << k;
  }
}

TEST(DemoFeed, MemoryIsSmallPerCustomer) {
  DemoFeed feed({.customers = 1'000'000, .seed = 1});
  std::vector<AccountEvent> events;
  feed.next(kStart, 1000, events);
  EXPECT_LE(feed.state_bytes() / 1'000'000, 16u);
}

}  // namespace
}  // namespace reminder::demo
