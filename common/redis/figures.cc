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

v1::Figures FromFields(const FigureFields& fields, const v1::Contest& contest, bool all_present) {
  v1::Figures figures;
  const auto* reflection = figures.GetReflection();
  for (const auto* field : ScalarFigures()) {
    auto it = fields.find(FigureField(field));
    if (it != fields.end()) {
      reflection->SetInt64(&figures, field, it->second);
    } else if (all_present) {
      reflection->SetInt64(&figures, field, 0);
    }
  }
  for (const auto& option : contest.options()) {
    auto it = fields.find(VotesField(option.option_id()));
    if (it == fields.end() && !all_present) continue;
    auto* votes = figures.add_option_votes();
    votes->set_option_id(option.option_id());
    votes->set_votes(it == fields.end() ? 0 : it->second);
  }
  return figures;
}

}  // namespace hattama::redis
