#pragma once

// ChangelogBatch: the changelog records of one at-least-once epoch, packed
// end to end in one buffer. Sealing an epoch copies ~0.7 records per input
// event; as two strings per record that was the allocator's busiest path.
// A released batch goes back to the CommitTracker cleared, its capacity
// kept, so a warm daemon seals epochs without allocating.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace reminder::kafka {

class ChangelogBatch {
 public:
  struct Record {
    std::int32_t partition = 0;
    std::string_view key;
    std::string_view value;
  };

  void add(std::int32_t partition, std::string_view key, std::string_view value) {
    entries_.push_back(Entry{partition, static_cast<std::uint32_t>(key.size()),
                             static_cast<std::uint32_t>(value.size())});
    bytes_.append(key);
    bytes_.append(value);
  }
  bool empty() const { return entries_.empty(); }
  void clear() {
    entries_.clear();
    bytes_.clear();
  }
  // Calls f(const Record&) for each record, in the order added. The views
  // are valid until the batch changes.
  template <class F>
  void for_each(F&& f) const {
    std::size_t at = 0;
    const std::string_view bytes(bytes_);
    for (const auto& e : entries_) {
      const Record r{e.partition, bytes.substr(at, e.key_size),
                     bytes.substr(at + e.key_size, e.value_size)};
      at += std::size_t{e.key_size} + e.value_size;
      f(r);
    }
  }

 private:
  struct Entry {
    std::int32_t partition;
    std::uint32_t key_size;
    std::uint32_t value_size;
  };
  std::vector<Entry> entries_;
  std::string bytes_;
};

}  // namespace reminder::kafka
