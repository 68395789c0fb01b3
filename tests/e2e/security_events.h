#pragma once

// The events and checks the security and fault tests share: one customer
// with a contact profile and a DPD-1 delinquency, which the always-open e2e
// policy turns into one SMS.

#include <gtest/gtest.h>

#include <chrono>
#include <string>
#include <vector>

#include "e2e/daemon_under_test.h"
#include "reminder/v1/account_event.pb.h"
#include "reminder/v1/decision.pb.h"

namespace reminder::testing {

inline constexpr const char* kTestPhone = "+15550009876";
inline constexpr const char* kTestEmail = "secure.person@example.test";

inline reminder::v1::AccountEvent event_base(const std::string& id, const std::string& customer) {
  reminder::v1::AccountEvent e;
  e.set_event_id(id);
  e.set_customer_id(customer);
  e.mutable_occurred_at()->set_seconds(std::chrono::duration_cast<std::chrono::seconds>(
                                           std::chrono::system_clock::now().time_since_epoch())
                                           .count());
  return e;
}

// Profile then a DPD-1 delinquency for `customer`: one SMS, two decisions.
inline void send_sms_case(TestProducer& producer, const std::string& topic,
                          const std::string& customer) {
  auto p = event_base(customer + "-profile", customer);
  p.mutable_profile()->set_time_zone("America/New_York");
  p.mutable_profile()->set_jurisdiction("US-NY");
  p.mutable_profile()->set_phone(kTestPhone);
  p.mutable_profile()->set_email(kTestEmail);
  p.mutable_profile()->set_locale("en-US");
  auto d = event_base(customer + "-dpd1", customer);
  d.set_account_id(customer + "-A");
  d.mutable_delinquency()->set_days_past_due(1);
  d.mutable_delinquency()->mutable_amount_due()->set_currency_code("USD");
  d.mutable_delinquency()->mutable_amount_due()->set_minor_units(4200);
  producer.send(topic, customer, p.SerializeAsString());
  producer.send(topic, customer, d.SerializeAsString());
  producer.flush();
}

inline int count_outcome(const std::vector<Record>& records, reminder::v1::Outcome outcome) {
  int n = 0;
  for (const auto& r : records) {
    reminder::v1::Decision d;
    if (d.ParseFromString(r.value) && d.outcome() == outcome) ++n;
  }
  return n;
}

// Personal data and secrets never reach the log.
inline void expect_clean_log(const std::string& log, const std::vector<std::string>& secrets) {
  EXPECT_EQ(log.find(kTestPhone), std::string::npos) << "phone number in the log";
  EXPECT_EQ(log.find(kTestEmail), std::string::npos) << "email address in the log";
  for (const auto& s : secrets) {
    ASSERT_FALSE(s.empty());
    EXPECT_EQ(log.find(s), std::string::npos) << "a secret in the log";
  }
}

}  // namespace reminder::testing
