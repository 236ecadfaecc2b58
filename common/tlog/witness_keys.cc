#include "common/tlog/witness_keys.h"

#include <fstream>
#include <set>
#include <sstream>

namespace hattama::tlog {
namespace {

// The blank-separated words of `text`; with `comments`, lines starting with '#' are skipped.
std::vector<std::string> Words(const std::string& text, bool comments) {
  std::vector<std::string> words;
  std::istringstream lines(text);
  for (std::string line; std::getline(lines, line);) {
    if (comments && line.starts_with('#')) continue;
    std::istringstream in(line);
    for (std::string word; in >> word;) words.push_back(word);
  }
  return words;
}

// The keys a value names, each with where it came from for the error messages.
Result<std::vector<std::pair<std::string, std::string>>> KeysOf(const std::string& value,
                                                                const std::string& flag) {
  std::vector<std::pair<std::string, std::string>> keys;
  for (const std::string& word : Words(value, false)) {
    if (!word.starts_with('@')) {
      keys.emplace_back(word, flag);
      continue;
    }
    const std::string path = word.substr(1);
    std::ifstream file(path);
    if (!file) return Status::InvalidArgument(flag + ": cannot read " + path);
    std::stringstream text;
    text << file.rdbuf();
    for (std::string& key : Words(text.str(), true)) keys.emplace_back(std::move(key), path);
  }
  return keys;
}

}  // namespace

Result<std::vector<NoteVerifier>> ParseWitnessKeys(const std::vector<std::string>& values,
                                                   const std::string& log_name,
                                                   const std::string& flag) {
  std::vector<NoteVerifier> witnesses;
  std::set<std::string> names;
  for (const std::string& value : values) {
    auto keys = KeysOf(value, flag);
    if (!keys.ok()) return keys.status();
    for (const auto& [key, from] : *keys) {
      auto verifier = NoteVerifier::FromVerifierKey(key);
      if (!verifier.ok()) {
        return Status::InvalidArgument(from + ": " + key + ": " + verifier.status().message());
      }
      if (verifier->type() != NoteKeyType::kCosignatureV1) {
        return Status::InvalidArgument(from + ": " + key +
                                       " is no cosignature/v1 key (type 0x04), which a witness "
                                       "signs with (C2SP tlog-cosignature)");
      }
      if (verifier->name() == log_name) {
        return Status::InvalidArgument(from + ": the witness " + key + " has the log's own name " +
                                       log_name);
      }
      if (!names.insert(verifier->name()).second) {
        return Status::InvalidArgument(from + ": two witness keys are named " + verifier->name() +
                                       "; a witness is known by its name");
      }
      witnesses.push_back(std::move(verifier).value());
    }
  }
  return witnesses;
}

}  // namespace hattama::tlog
