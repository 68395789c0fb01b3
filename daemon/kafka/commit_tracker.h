#pragma once

// CommitTracker: at-least-once without stalling the flow. Produced records
// are tagged with the current epoch; sealing an epoch snapshots the input
// offsets consumed so far. An epoch's offsets may be committed once every
// record of it and of every earlier epoch has been acknowledged, so a commit
// never runs ahead of the outputs it covers.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>

namespace reminder::kafka {

using OffsetMap = std::map<std::int32_t, std::int64_t>;  // partition -> next offset to read

class CommitTracker {
 public:
  // Tags one produced record; returns its epoch.
  std::uint64_t on_produced() {
    ++epochs_.back().outstanding;
    return epochs_.back().id;
  }
  void on_acknowledged(std::uint64_t epoch) {
    for (auto& e : epochs_) {
      if (e.id == epoch) {
        --e.outstanding;
        return;
      }
    }
  }
  // Closes the current epoch with the offsets consumed (and processed) so far.
  void seal(const OffsetMap& consumed) {
    epochs_.back().offsets = consumed;
    epochs_.back().sealed = true;
    epochs_.push_back(Epoch{epochs_.back().id + 1});
  }
  // The offsets that can be committed now, if any.
  std::optional<OffsetMap> committable() {
    std::optional<OffsetMap> out;
    while (epochs_.size() > 1 && epochs_.front().sealed && epochs_.front().outstanding == 0) {
      out = std::move(epochs_.front().offsets);
      epochs_.pop_front();
    }
    return out;
  }
  std::int64_t outstanding() const {
    std::int64_t n = 0;
    for (const auto& e : epochs_) n += e.outstanding;
    return n;
  }
  // After a rebalance or a rewind: forget everything not yet committed.
  void reset() {
    const auto next = epochs_.back().id + 1;
    epochs_.clear();
    epochs_.push_back(Epoch{next});
  }

 private:
  struct Epoch {
    std::uint64_t id = 0;
    std::int64_t outstanding = 0;
    OffsetMap offsets;
    bool sealed = false;
  };
  std::deque<Epoch> epochs_{Epoch{1}};
};

}  // namespace reminder::kafka
