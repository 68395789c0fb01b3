#include "state/label_table.h"

#include <limits>
#include <stdexcept>

namespace reminder::state {

LabelTable::LabelTable() { intern(""); }

Label LabelTable::intern(std::string_view text) {
  if (auto label = try_intern(text)) return *label;
  throw std::length_error("LabelTable: more than 65536 distinct template / queue names");
}

std::optional<Label> LabelTable::try_intern(std::string_view text) {
  if (auto it = index_.find(text); it != index_.end()) return it->second;
  if (texts_.size() > std::numeric_limits<Label>::max()) return std::nullopt;
  const auto label = static_cast<Label>(texts_.size());
  texts_.emplace_back(text);
  index_.emplace(std::string_view(texts_.back()), label);
  return label;
}

SharedText LabelTable::share(std::string_view text) {
  if (text.empty()) return SharedText();
  if (auto it = shared_index_.find(text); it != shared_index_.end()) return SharedText(it->second);
  const std::string* stored = &shared_.emplace_back(text);
  shared_index_.emplace(std::string_view(*stored), stored);
  return SharedText(stored);
}

std::size_t LabelTable::approximate_bytes() const {
  std::size_t n = index_.capacity() * (sizeof(std::string_view) + sizeof(Label) + 1);
  n += shared_index_.capacity() * (sizeof(std::string_view) + sizeof(void*) + 1);
  for (const auto* texts : {&texts_, &shared_}) {
    for (const auto& t : *texts)
      n += sizeof(std::string) + (t.capacity() > 15 ? t.capacity() + 1 : 0);
  }
  return n;
}

}  // namespace reminder::state
