#pragma once

// CommitTracker: at-least-once without stalling the flow. Produced records
// are tagged with the current epoch; sealing an epoch snapshots the input
// offsets consumed so far. An epoch's offsets may be committed once every
// record of it and of every earlier epoch has been acknowledged, so a commit
// never runs ahead of the outputs it covers.
//
// The state changelog goes one step behind the outputs: an epoch is sealed
// with the changelog records of the customers it changed, and those are
// released for producing only once the epoch's outputs (and every earlier
// epoch's) are acknowledged; its offsets commit once they are acknowledged
// too. So the changelog never holds the effect of an event whose message
// might still be lost -- a restart would replay the event, find it applied
// and skip it -- and the offsets never run ahead of the changelog.

#include <cstdint>
#include <deque>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "kafka/changelog_batch.h"

namespace reminder::kafka {

using OffsetMap = std::map<std::int32_t, std::int64_t>;  // partition -> next offset to read

class CommitTracker {
 public:
  // Tags one produced record; returns its epoch.
  std::uint64_t on_produced() {
    ++epochs_.back().outstanding;
    return epochs_.back().id;
  }
  // Tags one record produced for an earlier (sealed) epoch: its changelog.
  void on_produced(std::uint64_t epoch) {
    for (auto& e : epochs_) {
      if (e.id == epoch) {
        ++e.outstanding;
        return;
      }
    }
  }
  void on_acknowledged(std::uint64_t epoch) {
    for (auto& e : epochs_) {
      if (e.id == epoch) {
        --e.outstanding;
        return;
      }
    }
  }
  // Closes the current epoch with the offsets consumed (and processed) so
  // far and the changelog records of what they changed.
  void seal(const OffsetMap& consumed, ChangelogBatch changelog = {}) {
    epochs_.back().offsets = consumed;
    epochs_.back().changelog = std::move(changelog);
    epochs_.back().sealed = true;
    epochs_.push_back(Epoch{epochs_.back().id + 1});
  }
  // Hands produce(epoch, record) the changelog records whose epoch's outputs,
  // and every earlier epoch's, are all acknowledged, in epoch order. Records
  // handed over count as outstanding in their epoch (on_produced(epoch) is
  // the caller's to call, as for any record).
  template <class Produce>
  void release_changelog(Produce&& produce) {
    for (auto& e : epochs_) {
      if (!e.sealed || e.outstanding > 0) return;
      if (e.released) continue;
      e.released = true;
      e.changelog.for_each([&](const ChangelogBatch::Record& r) { produce(e.id, r); });
      spare_ = std::move(e.changelog);  // cleared when taken
    }
  }
  // An empty batch to fill for the next seal(): the last one released (its
  // buffers kept), or a new one.
  ChangelogBatch take_spare_batch() {
    ChangelogBatch b = std::move(spare_);
    b.clear();
    return b;
  }
  // The offsets that can be committed now, if any.
  std::optional<OffsetMap> committable() {
    std::optional<OffsetMap> out;
    while (epochs_.size() > 1 && epochs_.front().sealed && epochs_.front().released &&
           epochs_.front().outstanding == 0) {
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
  // Nothing in flight and nothing held back: everything sealed is committable.
  bool settled() const {
    for (const auto& e : epochs_) {
      if (e.outstanding > 0 || (e.sealed && !e.released)) return false;
    }
    return true;
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
    ChangelogBatch changelog;  // held until the outputs are acknowledged
    bool sealed = false;
    bool released = false;  // changelog handed to the producer
  };
  std::deque<Epoch> epochs_{Epoch{1}};
  ChangelogBatch spare_;
};

}  // namespace reminder::kafka
