#pragma once

// A librdkafka error that knows what the caller must do about it.

#include <librdkafka/rdkafka.h>

#include <string>

namespace reminder::kafka {

enum class Severity {
  kRetriable,  // try again (the client usually already does)
  kAbortable,  // abort the transaction, rewind, carry on
  kFatal,      // the client is unusable: replace it (exactly-once, new_client_recovers) or exit
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

// Whether a new client with the same transactional.id gets past a fatal
// error. Not when the id is taken by a newer instance (fenced: a new client
// would fence it in turn, and two instances would fight over the id) or
// the principal may not use it (a new client fails the same way).
inline bool new_client_recovers(rd_kafka_resp_err_t code) {
  return code != RD_KAFKA_RESP_ERR__FENCED && code != RD_KAFKA_RESP_ERR_PRODUCER_FENCED &&
         code != RD_KAFKA_RESP_ERR_INVALID_PRODUCER_EPOCH &&
         code != RD_KAFKA_RESP_ERR_TRANSACTIONAL_ID_AUTHORIZATION_FAILED &&
         code != RD_KAFKA_RESP_ERR_CLUSTER_AUTHORIZATION_FAILED;
}

}  // namespace reminder::kafka
