#pragma once

// A librdkafka error that knows what the caller must do about it.

#include <librdkafka/rdkafka.h>

#include <string>

namespace reminder::kafka {

enum class Severity {
  kRetriable,  // try again (the client usually already does)
  kAbortable,  // abort the transaction, rewind, carry on
  kFatal,      // the client is unusable: exit non-zero, the supervisor restarts us
};

struct KafkaError {
  rd_kafka_resp_err_t code = RD_KAFKA_RESP_ERR_NO_ERROR;
  std::string message;
  Severity severity = Severity::kRetriable;

  explicit operator bool() const { return code != RD_KAFKA_RESP_ERR_NO_ERROR; }

  static KafkaError none() { return {}; }
  static KafkaError from_code(rd_kafka_resp_err_t code, Severity s = Severity::kRetriable) {
    return KafkaError{code, rd_kafka_err2str(code), s};
  }
  // Takes ownership of `e` (may be null).
  static KafkaError from(rd_kafka_error_t* e) {
    if (e == nullptr) return none();
    KafkaError out{rd_kafka_error_code(e), rd_kafka_error_string(e), Severity::kRetriable};
    if (rd_kafka_error_is_fatal(e)) {
      out.severity = Severity::kFatal;
    } else if (rd_kafka_error_txn_requires_abort(e)) {
      out.severity = Severity::kAbortable;
    }
    rd_kafka_error_destroy(e);
    return out;
  }
};

}  // namespace reminder::kafka
