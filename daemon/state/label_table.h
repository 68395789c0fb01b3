#pragma once

// LabelTable: the few distinct strings deferred contacts repeat (template ids,
// call queues) stored once and referred to by a 16-bit label, so a deferred
// contact stays a fixed-size record (see DeferredContact). Labels only grow:
// a policy reload adds the new names and keeps the old ones, which contacts
// deferred under the previous policy still refer to. Owned by the StateStore
// of one partition; single-threaded.

#include <absl/container/flat_hash_map.h>

#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <string_view>

namespace reminder::state {

using Label = std::uint16_t;

// A text many customers share (time zone, jurisdiction, locale), held in a
// LabelTable and referred to by 8 bytes instead of a 32-byte std::string.
// Valid while its table lives (the table and the customers belong to the
// same StateStore). Default: the empty text.
class SharedText {
 public:
  SharedText() = default;
  std::string_view view() const { return text_ == nullptr ? std::string_view() : *text_; }
  operator std::string_view() const { return view(); }  // NOLINT: reads like the string it was
  bool empty() const { return view().empty(); }
  bool operator==(std::string_view other) const { return view() == other; }

 private:
  friend class LabelTable;
  explicit SharedText(const std::string* text) : text_(text) {}
  const std::string* text_ = nullptr;
};

class LabelTable {
 public:
  // The empty string is always label 0.
  LabelTable();
  LabelTable(const LabelTable&) = delete;
  LabelTable& operator=(const LabelTable&) = delete;
  // Moving keeps the strings where they are (std::deque), so the index stays valid.
  LabelTable(LabelTable&&) = default;
  LabelTable& operator=(LabelTable&&) = default;

  // Throws std::length_error past 65,536 distinct strings: with a few dozen
  // templates per policy that takes thousands of policy versions, a bug.
  Label intern(std::string_view text);
  // The same without the throw, for names read from outside (the changelog).
  std::optional<Label> try_intern(std::string_view text);
  std::string_view text(Label label) const { return texts_[label]; }
  // The stored copy of `text` for customers to share. No 16-bit limit: it
  // grows with the distinct values seen, each bounded by the decoder's checks
  // (a known zone name, "CC[-SUB]", BCP 47), and is never pruned.
  SharedText share(std::string_view text);
  std::size_t size() const { return texts_.size(); }
  std::size_t approximate_bytes() const;

 private:
  std::deque<std::string> texts_;  // stable addresses: the index keys on them
  absl::flat_hash_map<std::string_view, Label> index_;
  std::deque<std::string> shared_;  // stable addresses: SharedText points at them
  absl::flat_hash_map<std::string_view, const std::string*> shared_index_;
};

}  // namespace reminder::state
