// Names per language (localized_names: "kk", "ru", "en") for the synthetic Kazakhstan of
// synthetic.h: the nation, the 20 regions and their centre cities as they are really written in
// Kazakh, Russian and English; other districts in Cyrillic transliterated from their English
// names (an approximation: "Ayagoz District" is "Аягоз ауданы" and "Район Аягоз", not the
// Russian adjective form); the contests and the 2021 party lists.
#pragma once

#include <string>
#include <string_view>

#include "hattama/v1/election.pb.h"

namespace hattama::hub {

struct LocalizedName {
  std::string kk;
  std::string ru;
  std::string en;
};

// Sets the three languages of `names` (a localized_names field).
void SetLocalizedNames(const LocalizedName& name,
                       google::protobuf::Map<std::string, std::string>* names);

LocalizedName NationName();
LocalizedName ElectionName();
// For kMazhilis, kOblastMaslikhat and kCityMaslikhat; `english` for any other.
LocalizedName ContestName(std::string_view contest_id, std::string_view english);
// For the 2021 party lists by option id (and "against-all"); `english` for any other.
LocalizedName OptionName(std::string_view option_id, std::string_view english);
// The region of that slug (synthetic.cc's table); `english` in all three for an unknown one.
LocalizedName RegionName(std::string_view slug, std::string_view english);
// A district given its English name: "X city" (an oblast's centre) by the real names of the
// region's centre city; "X District" transliterated: "X ауданы", "Район X".
LocalizedName DistrictName(std::string_view region_slug, std::string_view english);

// Latin letters of an English-style romanisation of a Kazakh or Russian name to Cyrillic
// ("Zhanaarka" -> "Жанаарка"); other characters are kept. Pure.
std::string CyrillicFromLatin(std::string_view latin);

}  // namespace hattama::hub
