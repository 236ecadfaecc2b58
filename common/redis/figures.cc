#include "common/redis/figures.h"

#include <charconv>

#include "common/redis/layout.h"

namespace hattama::redis {
namespace {

using google::protobuf::FieldDescriptor;

// The scalar figures of Figures: every optional int64 field. Found by reflection so that a figure
// added to the contract is stored and summed without touching this code.
const std::vector<const FieldDescriptor*>& ScalarFigures() {
  static const auto* fields = [] {
    auto* list = new std::vector<const FieldDescriptor*>();
    const auto* descriptor = v1::Figures::descriptor();
    for (int i = 0; i < descriptor->field_count(); ++i) {
      const auto* field = descriptor->field(i);
      if (field->cpp_type() == FieldDescriptor::CPPTYPE_INT64 && !field->is_repeated()) {
        list->push_back(field);
      }
    }
    return list;
  }();
  return *fields;
}

std::string FigureField(const FieldDescriptor* field) {
  return std::string(layout::kFigurePrefix) + field->name();
}

std::string VotesField(const std::string& option_id) {
  return std::string(layout::kVotesPrefix) + option_id;
}

bool IsFigureField(const std::string& field) {
  return field.starts_with(layout::kFigurePrefix) || field.starts_with(layout::kVotesPrefix);
}

}  // namespace

std::vector<std::pair<std::string, int64_t>> ToFields(const v1::Figures& figures) {
  std::vector<std::pair<std::string, int64_t>> fields;
  const auto* reflection = figures.GetReflection();
  for (const auto* field : ScalarFigures()) {
    if (reflection->HasField(figures, field)) {
      fields.emplace_back(FigureField(field), reflection->GetInt64(figures, field));
    }
  }
  for (const auto& option : figures.option_votes()) {
    if (option.has_votes()) fields.emplace_back(VotesField(option.option_id()), option.votes());
  }
  return fields;
}

bool AddHashFields(const std::vector<std::string>& flat, FigureFields& into, std::string* error) {
  for (size_t i = 0; i + 1 < flat.size(); i += 2) {
    const std::string& field = flat[i];
    if (!IsFigureField(field)) continue;
    const std::string& text = flat[i + 1];
    int64_t value = 0;
    auto [end, parse_error] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (parse_error != std::errc() || end != text.data() + text.size()) {
      if (error != nullptr) *error = "field " + field + " holds \"" + text + "\", not an integer";
      return false;
    }
    into[field] += value;
  }
  return true;
}

namespace {

// The figures of a hash whose fields `value` gives: value(ordinal, prefix, name) is the field
// prefix + name, the ordinal-th of TotalsFigureFields(contest), or nullopt when the hash lacks it.
template <typename Value>
v1::Figures Figures(const v1::Contest& contest, bool all_present, Value&& value) {
  v1::Figures figures;
  const auto* reflection = figures.GetReflection();
  size_t ordinal = 0;
  for (const auto* field : ScalarFigures()) {
    const std::optional<int64_t> present = value(ordinal++, layout::kFigurePrefix, field->name());
    if (present || all_present) reflection->SetInt64(&figures, field, present.value_or(0));
  }
  for (const auto& option : contest.options()) {
    const std::optional<int64_t> votes = value(ordinal++, layout::kVotesPrefix, option.option_id());
    if (!votes && !all_present) continue;
    auto* option_votes = figures.add_option_votes();
    option_votes->set_option_id(option.option_id());
    option_votes->set_votes(votes.value_or(0));
  }
  return figures;
}

}  // namespace

v1::Figures FromFields(const FigureFields& fields, const v1::Contest& contest, bool all_present) {
  return Figures(
      contest, all_present,
      [&](size_t, std::string_view prefix, const std::string& name) -> std::optional<int64_t> {
        auto it = fields.find(std::string(prefix) + name);
        if (it == fields.end()) return std::nullopt;
        return it->second;
      });
}

std::vector<std::string> TotalsFigureFields(const v1::Contest& contest) {
  std::vector<std::string> fields;
  for (const auto* field : ScalarFigures()) fields.push_back(FigureField(field));
  for (const auto& option : contest.options()) fields.push_back(VotesField(option.option_id()));
  return fields;
}

v1::Figures FromTotalsValues(std::span<const int64_t> values, const v1::Contest& contest) {
  return Figures(contest, /*all_present=*/true,
                 [&](size_t ordinal, std::string_view, const std::string&) {
                   return ordinal < values.size() ? values[ordinal] : 0;
                 });
}

}  // namespace hattama::redis
