#pragma once

// Where the Dispatcher's outputs go: Kafka in the daemon, JSON lines in
// replay, a vector in tests.

#include "reminder/v1/decision.pb.h"
#include "reminder/v1/dispatch.pb.h"

namespace reminder::pipeline {

class DispatchSink {
 public:
  virtual ~DispatchSink() = default;
  virtual void on_decision(const reminder::v1::Decision& decision) = 0;
  virtual void on_sms(const reminder::v1::SmsMessage& message) = 0;
  virtual void on_email(const reminder::v1::EmailMessage& message) = 0;
  virtual void on_call(const reminder::v1::CallTask& task) = 0;
};

}  // namespace reminder::pipeline
