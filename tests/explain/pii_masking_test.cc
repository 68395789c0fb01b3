// Personal data where it may go and nowhere else: the decision records
// (reminder-decisions, read by compliance and often exported) carry no
// contact point or name, by schema and in fact; the admin "explain" view
// shows phone and email masked.

#include <gtest/gtest.h>

#include <string>
#include <variant>

#include "config/policy_loader.h"
#include "explain/customer_explain.h"
#include "reminder/v1/decision.pb.h"
#include "rules/dispatcher_harness.h"

namespace reminder {
namespace {

constexpr const char* kPhone = "+15550001234";
constexpr const char* kEmail = "jane.doe@example.test";

constexpr const char* kPolicy = R"(name: pii
version: "1"
buckets:
  - name: early
    dpd_min: 1
    dpd_max: 89
    steps:
      - channel: sms
        template: t.sms
        at_dpd: [1]
      - channel: email
        template: t.email
        at_dpd: [3]
      - channel: call
        template: t.call
        at_dpd: [15]
        queue: q
windows:
  - name: day
    hours:
      daily: "08:00-21:00"
jurisdiction_zones:
  US: [America/New_York, America/Chicago]
)";

rules::PolicyPtr policy() {
  auto loaded = config::parse_policy(kPolicy, "pii.yaml");
  if (auto* e = std::get_if<config::ConfigError>(&loaded)) ADD_FAILURE() << e->to_string();
  return std::get<rules::PolicyPtr>(std::move(loaded));
}

v1::AccountEvent event(const std::string& id, std::int64_t at) {
  v1::AccountEvent e;
  e.set_event_id(id);
  e.set_customer_id("C1");
  e.mutable_occurred_at()->set_seconds(at);
  return e;
}

// 2026-03-02 15:00 UTC: 10:00 in New York, inside the window.
constexpr std::int64_t kDay = 1772463600;

rules::testing::Harness contacted_customer() {
  rules::testing::Harness h(policy());
  auto p = event("p", kDay);
  p.mutable_profile()->set_time_zone("America/New_York");
  p.mutable_profile()->set_jurisdiction("US-NY");
  p.mutable_profile()->set_phone(kPhone);
  p.mutable_profile()->set_email(kEmail);
  EXPECT_FALSE(h.send(p));
  for (int dpd : {1, 3, 15}) {
    auto d = event("d" + std::to_string(dpd), kDay + dpd * 86400);
    d.set_account_id("A1");
    d.mutable_delinquency()->set_days_past_due(dpd);
    d.mutable_delinquency()->mutable_amount_due()->set_currency_code("USD");
    d.mutable_delinquency()->mutable_amount_due()->set_minor_units(98765);
    EXPECT_FALSE(h.send(d));
  }
  // A late-night event: deferred decisions too.
  auto late = event("late", kDay + 16 * 86400 + 10 * 3600);
  late.set_account_id("A1");
  late.mutable_delinquency()->set_days_past_due(16);
  late.mutable_delinquency()->mutable_amount_due()->set_currency_code("USD");
  late.mutable_delinquency()->mutable_amount_due()->set_minor_units(98765);
  EXPECT_FALSE(h.send(late));
  auto bounced = event("b", kDay + 17 * 86400);
  bounced.mutable_contact_outcome()->set_channel(v1::CHANNEL_EMAIL);
  bounced.mutable_contact_outcome()->set_result(v1::ContactOutcome::BOUNCED);
  EXPECT_FALSE(h.send(bounced));
  return h;
}

TEST(DecisionRecords, SchemaHasNoContactPointNameOrAmount) {
  const auto* d = v1::Decision::descriptor();
  for (int i = 0; i < d->field_count(); ++i) {
    const std::string name = d->field(i)->name();
    for (const char* word : {"phone", "email", "name", "address", "amount", "locale"}) {
      EXPECT_EQ(name.find(word), std::string::npos)
          << "Decision." << name << " looks like personal data: the decisions topic must stay "
          << "free of it (add a masking switch before adding such a field)";
    }
  }
}

TEST(DecisionRecords, OfACustomerWithPhoneAndEmailHoldNeither) {
  auto h = contacted_customer();
  ASSERT_GE(h.sink.messages.size(), 2u);  // SMS and email went out (they carry the contact point)
  ASSERT_GE(h.sink.decisions.size(), 5u);
  for (const auto& d : h.sink.decisions) {
    const std::string bytes = d.SerializeAsString();
    EXPECT_EQ(bytes.find(kPhone), std::string::npos) << d.ShortDebugString();
    EXPECT_EQ(bytes.find("5550001234"), std::string::npos) << d.ShortDebugString();
    EXPECT_EQ(bytes.find(kEmail), std::string::npos) << d.ShortDebugString();
    EXPECT_EQ(bytes.find("jane.doe"), std::string::npos) << d.ShortDebugString();
    EXPECT_EQ(bytes.find("98765"), std::string::npos) << d.ShortDebugString();
  }
}

TEST(ExplainOutput, MasksPhoneAndEmail) {
  auto h = contacted_customer();
  rules::ZoneCatalog zones;
  const auto p = policy();
  const std::string json = explain::explain_customer(h.customer("C1"), *p, zones, h.now());
  EXPECT_EQ(json.find(kPhone), std::string::npos) << json;
  EXPECT_EQ(json.find("5550001234"), std::string::npos) << json;
  EXPECT_EQ(json.find(kEmail), std::string::npos) << json;
  EXPECT_EQ(json.find("jane.doe"), std::string::npos) << json;
  EXPECT_NE(json.find("\"phone\":\"**********34\""), std::string::npos) << json;
  EXPECT_NE(json.find("\"email\":\"j***@example.test\""), std::string::npos) << json;
}

TEST(ExplainOutput, MaskEdgeCases) {
  EXPECT_EQ(explain::mask_phone(""), "");
  EXPECT_EQ(explain::mask_phone("+1"), "**");
  EXPECT_EQ(explain::mask_phone("+123"), "**23");
  EXPECT_EQ(explain::mask_email(""), "");
  EXPECT_EQ(explain::mask_email("no-at-sign"), "***");
  EXPECT_EQ(explain::mask_email("@x.test"), "***");
  EXPECT_EQ(explain::mask_email("a@x.test"), "a***@x.test");
}

}  // namespace
}  // namespace reminder
