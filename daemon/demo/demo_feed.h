#pragma once

// DemoFeed: realistic synthetic AccountEvents for `reminderd run --demo`, for
// replay benchmarks and for property tests. Deterministic: the same options
// and the same sequence of next() calls yield byte-identical events.
//
// What it models:
//   - `customers` customers "C000000".."C<customers-1>", spread over IANA
//     zones (US zones, Europe/London, Asia/Shanghai) plus some with an EMPTY
//     zone and only a jurisdiction ("US-CA", "US-TX", "US"); jurisdiction,
//     currency (USD / GBP / CNY), locale and phone format follow the zone.
//   - A customer's first event is always its ContactProfile (fake contact
//     points: +1555..., +447700900..., +8613800..., custN@example.test),
//     immediately followed by a Delinquency on its first account.
//   - Then a mix dominated by Delinquency (1-3 accounts per customer), with
//     PaymentPosted (some cured), PromiseToPay, ContactOutcome, CustomerFlag
//     (set and later cleared) and profile changes.
//   - Time is compressed: each Delinquency for an account moves it to the
//     next rung of a ladder of strategy step days (DPD 1, 3, 5, 8, 10, 14, 15,
//     18, 21, 30, 33, 45, 60, 62, 75, 90, 120; sometimes it repeats the same
//     DPD, as a core banking system re-sending its daily file does), so a
//     minute of demo walks accounts through a whole collection cycle. Each
//     event is self-consistent: due_date = occurred_at's local date minus
//     days_past_due. A cured payment ends the episode (accounts past the
//     DPD 90 hand-off are eventually settled that way); the next Delinquency
//     starts a new one at DPD 1.
//   - event_id "demo-<seed>-<n>" (n counts from 0), occurred_at = the `now`
//     passed to next().
//
// Memory: one small fixed-size struct per customer (see state_bytes());
// everything static about a customer (zone, accounts, amounts) is derived
// from a hash of (seed, customer index) when needed.
//
// Single-threaded; not thread-safe.

#include <absl/time/time.h>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "reminder/v1/account_event.pb.h"

namespace reminder::demo {

struct DemoFeedOptions {
  int customers = 10'000;   // >= 1
  std::uint64_t seed = 1;
};

class DemoFeed {
 public:
  explicit DemoFeed(DemoFeedOptions options);

  // Appends the next n events, all occurring at `now`.
  void next(absl::Time now, int n, std::vector<reminder::v1::AccountEvent>& out);

  // Events produced so far (the <n> of the next event id).
  std::uint64_t produced() const { return produced_; }
  int customers() const { return static_cast<int>(cursors_.size()); }
  // Bytes held per customer times customers (plus the zone table).
  std::size_t state_bytes() const;

  // The customer id of index i: "C" and at least 6 digits.
  static std::string customer_id(int index);

 private:
  static constexpr int kMaxAccounts = 3;

  // The only per-customer memory: what changes as the feed goes on.
  struct Cursor {
    std::array<std::int8_t, kMaxAccounts> rung = {-1, -1, -1};  // -1: not delinquent
    std::array<std::uint8_t, kMaxAccounts> episode = {0, 0, 0};
    std::uint8_t active_flags = 0;     // bit per CustomerFlag::Kind (1..7)
    std::uint8_t profile_version = 0;
    bool introduced = false;
  };

  // Static facts of a customer, recomputed from (seed, index) on demand.
  struct Traits {
    int profile = 0;        // index into the profile table
    int accounts = 1;       // 1..kMaxAccounts
  };

  Traits traits(int customer) const;
  std::uint64_t account_hash(int customer, int account, int episode) const;

  reminder::v1::AccountEvent& start_event(absl::Time now, int customer, int account,
                                          std::vector<reminder::v1::AccountEvent>& out);
  void emit_profile(absl::Time now, int customer, std::vector<reminder::v1::AccountEvent>& out);
  void emit_delinquency(absl::Time now, int customer, int account,
                        std::vector<reminder::v1::AccountEvent>& out);
  // A payment on a delinquent account (cured or not); with settle_account,
  // the full settlement of that account.
  void emit_payment(absl::Time now, int customer, std::vector<reminder::v1::AccountEvent>& out,
                    int settle_account = -1);
  void emit_promise(absl::Time now, int customer, std::vector<reminder::v1::AccountEvent>& out);
  void emit_outcome(absl::Time now, int customer, std::vector<reminder::v1::AccountEvent>& out);
  void emit_flag(absl::Time now, int customer, std::vector<reminder::v1::AccountEvent>& out);

  // A delinquent account of the customer if any (random among them), else -1.
  int pick_delinquent(int customer, const Traits& t);
  void fill_money(reminder::v1::Money* m, int profile, std::int64_t usd_minor) const;
  std::int64_t amount_due_usd_minor(int customer, int account, int dpd) const;

  // splitmix64: tiny, fast and stable across platforms and library versions,
  // so a seed means the same feed everywhere.
  std::uint64_t next_u64();
  std::uint32_t uniform(std::uint32_t n);  // [0, n)
  bool chance(std::uint32_t per_mille);

  std::uint64_t seed_;
  std::uint64_t rng_;
  std::uint64_t produced_ = 0;
  int followup_ = -1;  // customer whose first delinquency follows its profile
  std::vector<Cursor> cursors_;
  std::vector<absl::TimeZone> local_zone_;  // per profile: zone for local dates
};

}  // namespace reminder::demo
