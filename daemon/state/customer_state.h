#pragma once

// Per-customer contact state: the facts the rules need (profile, flags,
// accounts, the sliding log of attempts) and the contacts waiting for their
// window. Plain data, compact, no behaviour beyond bookkeeping; the rules
// decide, the pipeline mutates. Times are unix seconds (int64) to keep
// entries small and serialisable.

#include <absl/container/inlined_vector.h>

#include <array>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "rules/channel.h"
#include "state/dispatch_id.h"
#include "state/label_table.h"

namespace reminder::state {

inline constexpr std::int64_t kForever = std::numeric_limits<std::int64_t>::max();
// Accounts per customer are tracked in 32-bit masks.
inline constexpr std::size_t kMaxAccountsPerCustomer = 32;

enum class AccountStatus : std::uint8_t {
  kCurrent,     // known, not overdue
  kDelinquent,  // overdue: the strategy applies
  kCured,       // paid / cured: nothing pending, nothing new until the next delinquency
  kHandedOff,   // with legal / an agency: automated reminders stopped
};

// An ISO 4217 code in 3 bytes instead of a 32-byte string; empty = none.
class CurrencyCode {
 public:
  // False (and empty) unless `code` is empty or 3 characters; the decoder
  // has checked input codes against ISO 4217 already.
  bool assign(std::string_view code) {
    code_ = {};
    if (code.size() != code_.size()) return code.empty();
    for (std::size_t i = 0; i < code_.size(); ++i) code_[i] = code[i];
    return true;
  }
  CurrencyCode& operator=(std::string_view code) {
    assign(code);
    return *this;
  }
  std::string_view view() const { return {code_.data(), code_[0] == '\0' ? 0u : code_.size()}; }
  bool operator==(std::string_view other) const { return view() == other; }

 private:
  std::array<char, 3> code_ = {};
};

// A calendar date as days since 1970-01-01; kNoDay = none.
inline constexpr std::int32_t kNoDay = std::numeric_limits<std::int32_t>::min();
// Strict "YYYY-MM-DD" (years 1900..2200, as the decoder accepts) -> day;
// "" -> kNoDay; nullopt for anything else.
std::optional<std::int32_t> day_from_text(std::string_view yyyy_mm_dd);
// Back to "YYYY-MM-DD"; "" for kNoDay.
std::string day_to_text(std::int32_t day);

// Fields ordered by size: the first account is held inline in CustomerState.
struct AccountState {
  std::string account_id;
  SharedText product;  // shared with the partition's other accounts
  std::int64_t amount_due_minor = 0;
  std::int64_t minimum_due_minor = 0;
  std::int64_t status_since = 0;       // unix s of the event that set the status
  std::int64_t last_right_party_contact = 0;  // unix s, 0 = never
  std::int32_t promise_until_day = 0;  // days since 1970-01-01 (local civil day), 0 = none
  std::int32_t days_past_due = 0;
  std::int32_t due_day = kNoDay;  // the statement's due date
  // DPD at which each channel's strategy step last fired, so a second
  // delinquency event for the same day does not fire it again. -1 = never.
  std::array<std::int16_t, 3> last_step_dpd = {-1, -1, -1};
  CurrencyCode currency;
  AccountStatus status = AccountStatus::kCurrent;
  bool disputed = false;
};
static_assert(sizeof(AccountState) <= 96, "the inline account is a quarter of a customer's state");

// Customer-level flags, indexed by FlagKind; value = unix s until which the
// flag is active (0 = inactive, kForever = until cleared).
enum class FlagKind : std::uint8_t {
  kHardship, kDispute, kComplaint, kBankruptcy, kDeceased, kCeaseCommunication, kLegalHold
};
inline constexpr int kFlagCount = 7;

// The customer's flag expiries, by FlagKind. Few customers ever have a flag,
// so the values live out of line, allocated by the first set(): 8 bytes per
// customer instead of 56 (bench/RESULTS.md).
class FlagExpiries {
 public:
  FlagExpiries() = default;
  FlagExpiries(const FlagExpiries& other) { *this = other; }
  FlagExpiries& operator=(const FlagExpiries& other) {
    if (this != &other) until_ = other.until_ ? std::make_unique<Values>(*other.until_) : nullptr;
    return *this;
  }
  FlagExpiries(FlagExpiries&&) noexcept = default;
  FlagExpiries& operator=(FlagExpiries&&) noexcept = default;

  // Unix s until which flag `kind` is active; 0 = inactive.
  std::int64_t operator[](int kind) const { return until_ ? (*until_)[kind] : 0; }
  void set(int kind, std::int64_t until) {
    if (!until_) {
      if (until == 0) return;
      until_ = std::make_unique<Values>();
    }
    (*until_)[kind] = until;
  }
  std::size_t heap_bytes() const { return until_ ? sizeof(Values) : 0; }
  friend bool operator==(const FlagExpiries& a, const FlagExpiries& b) {
    for (int k = 0; k < kFlagCount; ++k) {
      if (a[k] != b[k]) return false;
    }
    return true;
  }

 private:
  using Values = std::array<std::int64_t, kFlagCount>;
  std::unique_ptr<Values> until_;
};

// One contact made (emitted). The sliding log that makes rolling caps exact.
struct Attempt {
  std::int64_t at = 0;            // unix s
  std::uint32_t account_mask = 0; // which of the customer's accounts it concerned
  rules::Channel channel = rules::Channel::kSms;
};

// Unix seconds in 32 bits (good until 2106), for the records there are
// millions of: deferred contacts and their schedule entries.
using Seconds32 = std::uint32_t;
inline Seconds32 to_seconds32(std::int64_t unix_s) {
  if (unix_s <= 0) return 0;
  if (unix_s >= std::int64_t{std::numeric_limits<Seconds32>::max()}) {
    return std::numeric_limits<Seconds32>::max();
  }
  return static_cast<Seconds32>(unix_s);
}

enum DeferredFlag : std::uint8_t {
  kDeferredHandoff = 1,  // legal / agency hand-off task
  kDeferredQueued = 2,   // ready to go, held for channel capacity or a paused channel
};

// A contact decided but waiting (for its window, a cap, channel capacity, a
// paused channel). When due, every rule is checked again before it is
// emitted. Fixed-size, 40 bytes: template and queue are labels into the
// partition's LabelTable; the originating event is not kept (its DEFERRED
// decision record carries event_id and this dispatch_id, which is derived
// from it).
struct DeferredContact {
  DispatchId dispatch_id;
  Seconds32 due = 0;        // when it is next checked (and, if allowed, sent)
  Seconds32 not_after = 0;  // end of the window it waits for; 0 = not known yet
  Seconds32 created = 0;    // when it was first decided
  std::uint32_t account_mask = 0;  // which of the customer's accounts it concerns
  Label template_id = 0;
  Label queue = 0;                 // call tasks: dialer / agent queue
  std::int16_t priority = 0;       // the strategy step's; higher goes first when pacing
  rules::Channel channel = rules::Channel::kSms;
  std::uint8_t flags = 0;          // DeferredFlag

  bool handoff() const { return flags & kDeferredHandoff; }
  bool queued() const { return flags & kDeferredQueued; }
};
static_assert(sizeof(DeferredContact) == 40, "keep deferred contacts small: millions are held");

enum ContactPointBit : std::uint8_t { kPhoneInvalid = 1, kEmailInvalid = 2 };

struct CustomerState {
  std::string customer_id;
  std::string phone;
  std::string email;
  // Shared with the other customers of the partition (StateStore::labels()).
  SharedText time_zone;  // IANA; empty = unknown
  SharedText jurisdiction;
  SharedText locale;
  // Most customers have one account: held inline, no heap block.
  absl::InlinedVector<AccountState, 1> accounts;
  std::vector<Attempt> attempts;  // ascending by time
  std::vector<DeferredContact> deferred;
  FlagExpiries flag_until;  // kForever = until cleared
  // Recently seen event ids (hashes), for idempotency against redelivery.
  std::array<std::uint64_t, 8> recent_events = {};
  std::uint8_t recent_pos = 0;
  std::uint8_t opted_out_mask = 0;       // bit (1 << channel_index)
  std::uint8_t invalid_contact_points = 0;  // ContactPointBit

  // Index of the account, or -1.
  int find_account(std::string_view account_id) const;
  // Index of the account, adding it if new; -1 if the customer is full.
  int upsert_account(std::string_view account_id);
  bool saw_event(std::uint64_t event_hash) const;
  void remember_event(std::uint64_t event_hash);
  bool opted_out(rules::Channel c) const {
    return (opted_out_mask >> rules::channel_index(c)) & 1u;
  }
  // Approximate heap + inline bytes, for the state-size metric.
  std::size_t approximate_bytes() const;
};
// Was 392 bytes plus a 176-byte account on the heap (bench/RESULTS.md).
static_assert(sizeof(CustomerState) <= 352, "keep customer state small: millions are held");

}  // namespace reminder::state
