#include "tools/hub/simulator/synthetic_names.h"

#include <algorithm>
#include <cctype>
#include <utility>

#include "tools/hub/simulator/synthetic.h"

namespace hattama::hub {
namespace {

struct RegionNames {
  std::string_view slug;
  LocalizedName region;
  // An oblast's centre city (its first district); empty for a city of republican significance.
  std::string_view centre_kk, centre_ru;
};

const std::vector<RegionNames>& AllRegionNames() {
  static const std::vector<RegionNames> kRegions = {
      {"abai", {"Абай облысы", "Абайская область", "Abai Region"}, "Семей", "Семей"},
      {"akmola", {"Ақмола облысы", "Акмолинская область", "Akmola Region"}, "Көкшетау", "Кокшетау"},
      {"aktobe", {"Ақтөбе облысы", "Актюбинская область", "Aktobe Region"}, "Ақтөбе", "Актобе"},
      {"almaty-region",
       {"Алматы облысы", "Алматинская область", "Almaty Region"},
       "Қонаев",
       "Конаев"},
      {"atyrau", {"Атырау облысы", "Атырауская область", "Atyrau Region"}, "Атырау", "Атырау"},
      {"east-kazakhstan",
       {"Шығыс Қазақстан облысы", "Восточно-Казахстанская область", "East Kazakhstan Region"},
       "Өскемен",
       "Усть-Каменогорск"},
      {"jambyl", {"Жамбыл облысы", "Жамбылская область", "Jambyl Region"}, "Тараз", "Тараз"},
      {"jetisu",
       {"Жетісу облысы", "Жетысуская область", "Jetisu Region"},
       "Талдықорған",
       "Талдыкорган"},
      {"karaganda",
       {"Қарағанды облысы", "Карагандинская область", "Karaganda Region"},
       "Қарағанды",
       "Караганда"},
      {"kostanay",
       {"Қостанай облысы", "Костанайская область", "Kostanay Region"},
       "Қостанай",
       "Костанай"},
      {"kyzylorda",
       {"Қызылорда облысы", "Кызылординская область", "Kyzylorda Region"},
       "Қызылорда",
       "Кызылорда"},
      {"mangystau",
       {"Маңғыстау облысы", "Мангистауская область", "Mangystau Region"},
       "Ақтау",
       "Актау"},
      {"north-kazakhstan",
       {"Солтүстік Қазақстан облысы", "Северо-Казахстанская область", "North Kazakhstan Region"},
       "Петропавл",
       "Петропавловск"},
      {"pavlodar",
       {"Павлодар облысы", "Павлодарская область", "Pavlodar Region"},
       "Павлодар",
       "Павлодар"},
      {"turkistan",
       {"Түркістан облысы", "Туркестанская область", "Turkistan Region"},
       "Түркістан",
       "Туркестан"},
      {"ulytau",
       {"Ұлытау облысы", "Улытауская область", "Ulytau Region"},
       "Жезқазған",
       "Жезказган"},
      {"west-kazakhstan",
       {"Батыс Қазақстан облысы", "Западно-Казахстанская область", "West Kazakhstan Region"},
       "Орал",
       "Уральск"},
      {"astana", {"Астана", "Астана", "Astana"}, "", ""},
      {"almaty", {"Алматы", "Алматы", "Almaty"}, "", ""},
      {"shymkent", {"Шымкент", "Шымкент", "Shymkent"}, "", ""},
  };
  return kRegions;
}

const RegionNames* FindRegion(std::string_view slug) {
  for (const auto& region : AllRegionNames()) {
    if (region.slug == slug) return &region;
  }
  return nullptr;
}

bool EndsWith(std::string_view text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.substr(text.size() - suffix.size()) == suffix;
}

bool IsVowel(char c) {
  c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u';
}

// Lower- and upper-case Cyrillic of one Latin letter or digraph.
struct Letter {
  std::string_view latin;
  std::string_view lower, upper;
};

// Longest first: digraphs before their letters.
constexpr Letter kLetters[] = {
    {"shch", "щ", "Щ"}, {"zh", "ж", "Ж"}, {"kh", "х", "Х"}, {"ts", "ц", "Ц"},  {"ch", "ч", "Ч"},
    {"sh", "ш", "Ш"},   {"yu", "ю", "Ю"}, {"ya", "я", "Я"}, {"yo", "ё", "Ё"},  {"ye", "е", "Е"},
    {"a", "а", "А"},    {"b", "б", "Б"},  {"c", "к", "К"},  {"d", "д", "Д"},   {"e", "е", "Е"},
    {"f", "ф", "Ф"},    {"g", "г", "Г"},  {"h", "х", "Х"},  {"i", "и", "И"},   {"j", "ж", "Ж"},
    {"k", "к", "К"},    {"l", "л", "Л"},  {"m", "м", "М"},  {"n", "н", "Н"},   {"o", "о", "О"},
    {"p", "п", "П"},    {"q", "к", "К"},  {"r", "р", "Р"},  {"s", "с", "С"},   {"t", "т", "Т"},
    {"u", "у", "У"},    {"v", "в", "В"},  {"w", "у", "У"},  {"x", "кс", "КС"}, {"y", "ы", "Ы"},
    {"z", "з", "З"},
};

// Where the letter-by-letter rules go wrong on the synthetic districts' names ("y" before a
// vowel is sometimes a syllable of its own).
constexpr std::pair<std::string_view, std::string_view> kExceptions[] = {
    {"Zhylyoi", "Жылыой"},
    {"Saryagash", "Сарыагаш"},
    {"Saryarka", "Сарыарка"},
    {"Maysky", "Майский"},
    {"Shemonaikha", "Шемонаиха"}};

}  // namespace

void SetLocalizedNames(const LocalizedName& name,
                       google::protobuf::Map<std::string, std::string>* names) {
  (*names)["kk"] = name.kk;
  (*names)["ru"] = name.ru;
  (*names)["en"] = name.en;
}

LocalizedName NationName() { return {"Қазақстан", "Казахстан", "Kazakhstan"}; }

LocalizedName ElectionName() {
  return {"Мәжіліс пен мәслихаттарға сайлау, 2021 жылғы 10 қаңтар",
          "Выборы в Мажилис и маслихаты, 10 января 2021 года",
          "Elections to the Mazhilis and the maslikhats, 10 January 2021"};
}

LocalizedName ContestName(std::string_view contest_id, std::string_view english) {
  if (contest_id == kMazhilis) {
    return {"Мәжіліс (партиялық тізімдер)", "Мажилис (партийные списки)", std::string(english)};
  }
  if (contest_id == kOblastMaslikhat) {
    return {"Облыстық мәслихат", "Областной маслихат", std::string(english)};
  }
  if (contest_id == kCityMaslikhat) {
    return {"Қалалық мәслихат", "Городской маслихат", std::string(english)};
  }
  return {std::string(english), std::string(english), std::string(english)};
}

LocalizedName OptionName(std::string_view option_id, std::string_view english) {
  static const std::pair<std::string_view, LocalizedName> kOptions[] = {
      {"nur-otan", {"Nur Otan", "Nur Otan", "Nur Otan"}},
      {"ak-zhol", {"Ақ жол", "Ак жол", "Ak Zhol"}},
      {"adal", {"ADAL", "ADAL", "ADAL"}},
      {"auyl", {"Ауыл", "Ауыл", "Auyl"}},
      {"peoples-party", {"Халық партиясы", "Народная партия", "People's Party"}},
      {"against-all", {"Барлығына қарсы", "Против всех", "Against all"}},
  };
  for (const auto& [id, name] : kOptions) {
    if (id == option_id) return name;
  }
  return {std::string(english), std::string(english), std::string(english)};
}

LocalizedName RegionName(std::string_view slug, std::string_view english) {
  if (const RegionNames* region = FindRegion(slug)) return region->region;
  return {std::string(english), std::string(english), std::string(english)};
}

LocalizedName DistrictName(std::string_view region_slug, std::string_view english) {
  const RegionNames* region = FindRegion(region_slug);
  if (region != nullptr && !region->centre_kk.empty() && EndsWith(english, " city")) {
    return {std::string(region->centre_kk) + " қаласы", "город " + std::string(region->centre_ru),
            std::string(english)};
  }
  std::string_view base = english;
  if (EndsWith(base, " District")) base.remove_suffix(std::string_view(" District").size());
  const std::string cyrillic = CyrillicFromLatin(base);
  return {cyrillic + " ауданы", "Район " + cyrillic, std::string(english)};
}

std::string CyrillicFromLatin(std::string_view latin) {
  for (const auto& [from, to] : kExceptions) {
    if (latin == from) return std::string(to);
  }
  std::string out;
  size_t i = 0;
  while (i < latin.size()) {
    const char c = latin[i];
    const bool upper = std::isupper(static_cast<unsigned char>(c)) != 0;
    const bool after_vowel = i > 0 && IsVowel(latin[i - 1]);
    // A "y" after an "i" is a vowel again: Moiynkum is Мойынкум.
    const bool after_vowel_not_i = after_vowel && std::tolower(latin[i - 1]) != 'i';
    const char lower = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // "y" or "i" closing a syllable after a vowel is "й": Baizak, Nauryzbay, Beineu.
    if ((lower == 'i' && after_vowel) ||
        (lower == 'y' && after_vowel_not_i && (i + 1 == latin.size() || !IsVowel(latin[i + 1])))) {
      out += upper ? "Й" : "й";
      ++i;
      continue;
    }
    const Letter* match = nullptr;
    for (const Letter& letter : kLetters) {
      const std::string_view rest = latin.substr(i, letter.latin.size());
      if (rest.size() == letter.latin.size() &&
          std::equal(rest.begin(), rest.end(), letter.latin.begin(), [](char a, char b) {
            return std::tolower(static_cast<unsigned char>(a)) == b;
          })) {
        match = &letter;
        break;
      }
    }
    if (match == nullptr) {
      out += c;
      ++i;
      continue;
    }
    out += upper ? match->upper : match->lower;
    i += match->latin.size();
  }
  return out;
}

}  // namespace hattama::hub
