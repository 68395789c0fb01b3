#include "demo/demo_feed.h"

#include <absl/strings/str_cat.h>
#include <absl/time/civil_time.h>

#include <algorithm>

namespace reminder::demo {

using reminder::v1::AccountEvent;
using reminder::v1::ContactOutcome;
using reminder::v1::CustomerFlag;

namespace {

enum class PhoneStyle : std::uint8_t { kUs, kGb, kCn };

// Where a customer lives. `zone` may be empty (unknown zone, jurisdiction
// only); `date_zone` is the zone the feed uses for local dates then.
struct ProfileKind {
  const char* zone;
  const char* date_zone;
  const char* jurisdiction;
  const char* currency;
  const char* locale;
  PhoneStyle phone;
  int per_usd_mille;  // currency units per 1000 USD units
  int weight;         // percent of customers
};

constexpr ProfileKind kProfiles[] = {
    {"America/New_York", "America/New_York", "US-NY", "USD", "en-US", PhoneStyle::kUs, 1000, 18},
    {"America/Chicago", "America/Chicago", "US-IL", "USD", "en-US", PhoneStyle::kUs, 1000, 12},
    {"America/Denver", "America/Denver", "US-CO", "USD", "en-US", PhoneStyle::kUs, 1000, 5},
    {"America/Phoenix", "America/Phoenix", "US-AZ", "USD", "en-US", PhoneStyle::kUs, 1000, 3},
    {"America/Los_Angeles", "America/Los_Angeles", "US-CA", "USD", "en-US", PhoneStyle::kUs, 1000,
     14},
    {"America/Anchorage", "America/Anchorage", "US-AK", "USD", "en-US", PhoneStyle::kUs, 1000, 2},
    {"Pacific/Honolulu", "Pacific/Honolulu", "US-HI", "USD", "en-US", PhoneStyle::kUs, 1000, 2},
    {"Europe/London", "Europe/London", "GB", "GBP", "en-GB", PhoneStyle::kGb, 800, 10},
    {"Asia/Shanghai", "Asia/Shanghai", "CN", "CNY", "zh-CN", PhoneStyle::kCn, 7200, 16},
    // Zone unknown: the engine must find a time convenient in every zone of
    // the jurisdiction.
    {"", "America/Los_Angeles", "US-CA", "USD", "en-US", PhoneStyle::kUs, 1000, 6},
    {"", "America/Chicago", "US-TX", "USD", "en-US", PhoneStyle::kUs, 1000, 6},
    {"", "America/New_York", "US", "USD", "en-US", PhoneStyle::kUs, 1000, 6},
};
constexpr int kProfileCount = static_cast<int>(std::size(kProfiles));

// Strategy step days (and a few in between) that an account walks through.
constexpr int kLadder[] = {1, 3, 5, 8, 10, 14, 15, 18, 21, 30, 33, 45, 60, 62, 75, 90, 120};
constexpr int kLadderSize = static_cast<int>(std::size(kLadder));
constexpr int kHandoffRung = 15;  // DPD 90: handed to legal / an agency
static_assert(kLadder[kHandoffRung] == 90);

constexpr std::uint64_t kGolden = 0x9e3779b97f4a7c15ULL;

std::uint64_t mix64(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

void set_time(google::protobuf::Timestamp* ts, absl::Time t) {
  const std::int64_t s = absl::ToUnixSeconds(t);
  ts->set_seconds(s);
  ts->set_nanos(static_cast<std::int32_t>(absl::ToInt64Nanoseconds(t - absl::FromUnixSeconds(s))));
}

// Zero-padded decimal of at least `width` digits.
std::string padded(std::uint64_t v, int width) {
  std::string digits = std::to_string(v);
  if (static_cast<int>(digits.size()) < width) {
    digits.insert(0, static_cast<std::size_t>(width) - digits.size(), '0');
  }
  return digits;
}

const char* product_for(PhoneStyle style, std::uint64_t h) {
  const std::uint64_t p = h % 100;
  switch (style) {
    case PhoneStyle::kUs:
      return p < 60 ? "credit_card" : p < 85 ? "personal_loan" : "auto_loan";
    case PhoneStyle::kGb:
      return p < 70 ? "credit_card" : "personal_loan";
    case PhoneStyle::kCn:
      return p < 70 ? "credit_card" : "consumer_loan";
  }
  return "credit_card";
}

}  // namespace

DemoFeed::DemoFeed(DemoFeedOptions options)
    : seed_(options.seed),
      rng_(mix64(options.seed ^ 0x5eed5eed5eed5eedULL)),
      cursors_(static_cast<std::size_t>(std::max(1, options.customers))) {
  local_zone_.reserve(kProfileCount);
  for (const auto& p : kProfiles) {
    absl::TimeZone tz;
    // Only used for local dates (due_date, promised_date); UTC if tzdata is
    // missing. The event's time_zone is the name itself.
    if (!absl::LoadTimeZone(p.date_zone, &tz)) tz = absl::UTCTimeZone();
    local_zone_.push_back(tz);
  }
}

std::string DemoFeed::customer_id(int index) {
  return "C" + padded(static_cast<std::uint64_t>(index), 6);
}

std::size_t DemoFeed::state_bytes() const {
  return sizeof(*this) + cursors_.capacity() * sizeof(Cursor) +
         local_zone_.capacity() * sizeof(absl::TimeZone);
}

std::uint64_t DemoFeed::next_u64() {
  rng_ += kGolden;
  return mix64(rng_);
}

std::uint32_t DemoFeed::uniform(std::uint32_t n) {
  // Lemire's multiply-shift: negligible bias for the small n used here.
  return static_cast<std::uint32_t>(((next_u64() >> 32) * n) >> 32);
}

bool DemoFeed::chance(std::uint32_t per_mille) { return uniform(1000) < per_mille; }

DemoFeed::Traits DemoFeed::traits(int customer) const {
  const std::uint64_t h = mix64(seed_ * kGolden + static_cast<std::uint64_t>(customer) + 1);
  Traits t;
  int pick = static_cast<int>(h % 100);
  for (int i = 0; i < kProfileCount; ++i) {
    if (pick < kProfiles[i].weight) {
      t.profile = i;
      break;
    }
    pick -= kProfiles[i].weight;
  }
  const int a = static_cast<int>((h >> 16) % 100);
  t.accounts = a < 55 ? 1 : a < 85 ? 2 : 3;
  return t;
}

std::uint64_t DemoFeed::account_hash(int customer, int account, int episode) const {
  return mix64(mix64(seed_ + static_cast<std::uint64_t>(customer) * kGolden) +
               static_cast<std::uint64_t>(account) * 0x100 + static_cast<std::uint64_t>(episode));
}

std::int64_t DemoFeed::amount_due_usd_minor(int customer, int account, int dpd) const {
  const Cursor& c = cursors_[static_cast<std::size_t>(customer)];
  const std::uint64_t h = account_hash(customer, account, c.episode[static_cast<std::size_t>(account)]);
  const std::int64_t principal = 50'00 + static_cast<std::int64_t>(h % 2'950'00);
  const std::int64_t late_fees = 29'00 * (1 + dpd / 30);  // one per started cycle
  return principal + late_fees;
}

void DemoFeed::fill_money(reminder::v1::Money* m, int profile, std::int64_t usd_minor) const {
  m->set_currency_code(kProfiles[profile].currency);
  m->set_minor_units(usd_minor * kProfiles[profile].per_usd_mille / 1000);
}

AccountEvent& DemoFeed::start_event(absl::Time now, int customer, int account,
                                    std::vector<AccountEvent>& out) {
  AccountEvent& e = out.emplace_back();
  e.set_event_id(absl::StrCat("demo-", seed_, "-", produced_++));
  set_time(e.mutable_occurred_at(), now);
  e.set_customer_id(customer_id(customer));
  if (account >= 0) e.set_account_id(absl::StrCat("A", padded(static_cast<std::uint64_t>(customer), 6), "-", account + 1));
  return e;
}

void DemoFeed::emit_profile(absl::Time now, int customer, std::vector<AccountEvent>& out) {
  Cursor& c = cursors_[static_cast<std::size_t>(customer)];
  const Traits t = traits(customer);
  const ProfileKind& kind = kProfiles[t.profile];
  const bool first = !c.introduced;
  if (!first) ++c.profile_version;
  c.introduced = true;
  const std::uint64_t idx = static_cast<std::uint64_t>(customer);
  const std::uint64_t v = c.profile_version;

  AccountEvent& e = start_event(now, customer, -1, out);
  auto* p = e.mutable_profile();
  p->set_time_zone(kind.zone);
  p->set_jurisdiction(kind.jurisdiction);
  p->set_locale(kind.locale);
  switch (kind.phone) {
    case PhoneStyle::kUs:  // 555: the fictional exchange
      p->set_phone("+1555" + padded((idx * 7 + v) % 10'000'000, 7));
      break;
    case PhoneStyle::kGb:  // Ofcom's drama range 07700 900000-900999
      p->set_phone("+447700900" + padded((idx + v) % 1000, 3));
      break;
    case PhoneStyle::kCn:
      p->set_phone("+8613800" + padded((idx * 3 + v) % 1'000'000, 6));
      break;
  }
  // A few customers have no email on file.
  if (!(first && chance(20))) {
    p->set_email(v == 0 ? absl::StrCat("cust", idx, "@example.test")
                        : absl::StrCat("cust", idx, ".v", v, "@example.test"));
  }
  const std::uint32_t opt = uniform(1000);
  if (first) {
    if (opt < 30) p->add_opted_out_channels(reminder::v1::CHANNEL_SMS);
  } else if (opt < 100) {
    p->add_opted_out_channels(reminder::v1::CHANNEL_SMS);
  } else if (opt < 150) {
    p->add_opted_out_channels(reminder::v1::CHANNEL_EMAIL);
  } else if (opt < 180) {
    p->add_opted_out_channels(reminder::v1::CHANNEL_CALL);
  }
}

void DemoFeed::emit_delinquency(absl::Time now, int customer, int account,
                                std::vector<AccountEvent>& out) {
  Cursor& c = cursors_[static_cast<std::size_t>(customer)];
  const Traits t = traits(customer);
  auto& rung = c.rung[static_cast<std::size_t>(account)];
  const int episode = c.episode[static_cast<std::size_t>(account)];
  if (rung < 0) {
    if (episode == 0) {
      // The portfolio at the start: accounts at every stage, most early.
      rung = static_cast<std::int8_t>(chance(700) ? uniform(6) : uniform(kLadderSize));
    } else {
      rung = 0;  // a new episode after a cure starts at DPD 1
    }
  } else if (!chance(200) && rung + 1 < kLadderSize) {
    ++rung;  // else: the same DPD again (a re-sent daily file)
  }
  const int dpd = kLadder[rung];
  const std::int64_t due = amount_due_usd_minor(customer, account, dpd);
  const std::int64_t minimum = std::min(due, std::max<std::int64_t>(25'00, due / 25));
  const absl::CivilDay today = absl::ToCivilDay(now, local_zone_[static_cast<std::size_t>(t.profile)]);

  AccountEvent& e = start_event(now, customer, account, out);
  auto* d = e.mutable_delinquency();
  d->set_days_past_due(dpd);
  fill_money(d->mutable_amount_due(), t.profile, due);
  fill_money(d->mutable_minimum_due(), t.profile, minimum);
  d->set_due_date(absl::FormatCivilTime(today - dpd));
  d->set_product(product_for(kProfiles[t.profile].phone,
                             account_hash(customer, account, 0xff)));
}

int DemoFeed::pick_delinquent(int customer, const Traits& t) {
  const Cursor& c = cursors_[static_cast<std::size_t>(customer)];
  int candidates[kMaxAccounts];
  int n = 0;
  for (int a = 0; a < t.accounts; ++a) {
    if (c.rung[static_cast<std::size_t>(a)] >= 0) candidates[n++] = a;
  }
  if (n == 0) return -1;
  return candidates[uniform(static_cast<std::uint32_t>(n))];
}

void DemoFeed::emit_payment(absl::Time now, int customer, std::vector<AccountEvent>& out,
                            int settle_account) {
  Cursor& c = cursors_[static_cast<std::size_t>(customer)];
  const Traits t = traits(customer);
  int account = settle_account >= 0 ? settle_account : pick_delinquent(customer, t);
  const bool delinquent = account >= 0;
  if (!delinquent) account = static_cast<int>(uniform(static_cast<std::uint32_t>(t.accounts)));
  const int dpd = delinquent ? kLadder[c.rung[static_cast<std::size_t>(account)]] : 0;
  const std::int64_t due = amount_due_usd_minor(customer, account, dpd);
  const bool cured = settle_account >= 0 || (delinquent && chance(450));

  AccountEvent& e = start_event(now, customer, account, out);
  auto* p = e.mutable_payment();
  // Cured: the full balance; else a partial or regular payment.
  fill_money(p->mutable_amount(), t.profile,
             cured ? due : std::max<std::int64_t>(10'00, due * (10 + uniform(40)) / 100));
  p->set_cured(cured);
  if (cured) {
    c.rung[static_cast<std::size_t>(account)] = -1;
    ++c.episode[static_cast<std::size_t>(account)];
  }
}

void DemoFeed::emit_promise(absl::Time now, int customer, std::vector<AccountEvent>& out) {
  const Traits t = traits(customer);
  const int account = pick_delinquent(customer, t);
  if (account < 0) {  // nothing to promise about: the core system reports instead
    emit_delinquency(now, customer, static_cast<int>(uniform(static_cast<std::uint32_t>(t.accounts))), out);
    return;
  }
  const Cursor& c = cursors_[static_cast<std::size_t>(customer)];
  const int dpd = kLadder[c.rung[static_cast<std::size_t>(account)]];
  const std::int64_t due = amount_due_usd_minor(customer, account, dpd);
  const absl::CivilDay today = absl::ToCivilDay(now, local_zone_[static_cast<std::size_t>(t.profile)]);

  AccountEvent& e = start_event(now, customer, account, out);
  auto* p = e.mutable_promise();
  p->set_promised_date(absl::FormatCivilTime(today + 1 + uniform(14)));
  fill_money(p->mutable_amount(), t.profile, chance(500) ? due : std::min(due, std::max<std::int64_t>(25'00, due / 25)));
}

void DemoFeed::emit_outcome(absl::Time now, int customer, std::vector<AccountEvent>& out) {
  const Traits t = traits(customer);
  const int account = pick_delinquent(customer, t);
  reminder::v1::Channel channel;
  ContactOutcome::Result result;
  const std::uint32_t ch = uniform(100);
  const std::uint32_t r = uniform(1000);
  if (ch < 40) {
    channel = reminder::v1::CHANNEL_SMS;
    result = r < 900 ? ContactOutcome::DELIVERED
             : r < 940 ? ContactOutcome::WRONG_NUMBER
                       : ContactOutcome::OPT_OUT_REQUESTED;
  } else if (ch < 75) {
    channel = reminder::v1::CHANNEL_EMAIL;
    result = r < 820 ? ContactOutcome::DELIVERED
             : r < 940 ? ContactOutcome::BOUNCED
                       : ContactOutcome::OPT_OUT_REQUESTED;
  } else {
    channel = reminder::v1::CHANNEL_CALL;
    result = r < 550 ? ContactOutcome::NO_ANSWER
             : r < 920 ? ContactOutcome::RIGHT_PARTY_CONTACT
             : r < 970 ? ContactOutcome::WRONG_NUMBER
                       : ContactOutcome::OPT_OUT_REQUESTED;
  }
  AccountEvent& e = start_event(now, customer, account, out);
  auto* o = e.mutable_contact_outcome();
  o->set_channel(channel);
  o->set_result(result);
}

void DemoFeed::emit_flag(absl::Time now, int customer, std::vector<AccountEvent>& out) {
  Cursor& c = cursors_[static_cast<std::size_t>(customer)];
  const Traits t = traits(customer);
  static constexpr struct {
    CustomerFlag::Kind kind;
    int weight;
  } kKinds[] = {
      {CustomerFlag::HARDSHIP, 30},   {CustomerFlag::DISPUTE, 24},
      {CustomerFlag::COMPLAINT, 24},  {CustomerFlag::CEASE_COMMUNICATION, 8},
      {CustomerFlag::LEGAL_HOLD, 6},  {CustomerFlag::BANKRUPTCY, 5},
      {CustomerFlag::DECEASED, 3},
  };
  int pick = static_cast<int>(uniform(100));
  CustomerFlag::Kind kind = CustomerFlag::HARDSHIP;
  for (const auto& k : kKinds) {
    if (pick < k.weight) {
      kind = k.kind;
      break;
    }
    pick -= k.weight;
  }
  const std::uint8_t bit = static_cast<std::uint8_t>(1u << (static_cast<int>(kind) - 1));
  const bool active = (c.active_flags & bit) == 0;  // a set flag is cleared next time
  c.active_flags ^= bit;
  // A dispute concerns one debt (always the same one per customer).
  const int account = kind == CustomerFlag::DISPUTE
                          ? static_cast<int>(account_hash(customer, 0, 0xfe) %
                                             static_cast<std::uint64_t>(t.accounts))
                          : -1;
  AccountEvent& e = start_event(now, customer, account, out);
  auto* f = e.mutable_flag();
  f->set_kind(kind);
  f->set_active(active);
  if (active && kind == CustomerFlag::HARDSHIP && chance(500)) {
    set_time(f->mutable_until(), now + absl::Hours(24 * (14 + uniform(47))));
  } else if (active && kind == CustomerFlag::COMPLAINT && chance(500)) {
    set_time(f->mutable_until(), now + absl::Hours(24 * (7 + uniform(15))));
  }
}

void DemoFeed::next(absl::Time now, int n, std::vector<AccountEvent>& out) {
  out.reserve(out.size() + static_cast<std::size_t>(std::max(0, n)));
  const auto customers = static_cast<std::uint32_t>(cursors_.size());
  for (int i = 0; i < n; ++i) {
    if (followup_ >= 0) {
      // A new customer's first overdue account right after its profile.
      emit_delinquency(now, followup_, 0, out);
      followup_ = -1;
      continue;
    }
    const int customer = static_cast<int>(uniform(customers));
    if (!cursors_[static_cast<std::size_t>(customer)].introduced) {
      emit_profile(now, customer, out);
      followup_ = customer;
      continue;
    }
    const std::uint32_t k = uniform(1000);
    if (k < 700) {
      const Traits t = traits(customer);
      const int account = static_cast<int>(uniform(static_cast<std::uint32_t>(t.accounts)));
      const int rung = cursors_[static_cast<std::size_t>(customer)].rung[static_cast<std::size_t>(account)];
      if (rung >= kHandoffRung && chance(300)) {
        // Settled with the agency: the account is cured and can start over.
        emit_payment(now, customer, out, account);
      } else {
        emit_delinquency(now, customer, account, out);
      }
    } else if (k < 780) {
      emit_payment(now, customer, out);
    } else if (k < 830) {
      emit_promise(now, customer, out);
    } else if (k < 940) {
      emit_outcome(now, customer, out);
    } else if (k < 960) {
      emit_flag(now, customer, out);
    } else {
      emit_profile(now, customer, out);
    }
  }
}

}  // namespace reminder::demo
