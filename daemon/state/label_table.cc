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

std::size_t LabelTable::approximate_bytes() const {
  std::size_t n = index_.capacity() * (sizeof(std::string_view) + sizeof(Label) + 1);
  for (const auto& t : texts_) n += sizeof(std::string) + (t.capacity() > 15 ? t.capacity() + 1 : 0);
  return n;
}

}  // namespace reminder::state
