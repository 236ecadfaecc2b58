#include "common/tlog/note.h"

#include <algorithm>
#include <chrono>
#include <cstdio>

#include "common/crypto/base64.h"
#include "common/tlog/utf8.h"

namespace hattama::tlog {
namespace {

constexpr std::string_view kSignaturePrefix = "\xe2\x80\x94 ";  // U+2014 EM DASH, space
constexpr std::size_t kMaxSignatures = 100;

Status CheckNoteCharacters(std::string_view text, std::string_view what) {
  const auto decoded = internal::DecodeUtf8(text);
  if (!decoded) return Status::InvalidArgument(std::string(what) + " is not valid UTF-8");
  const auto control = std::find_if(decoded->begin(), decoded->end(),
                                    [](char32_t c) { return c < 0x20 && c != U'\n'; });
  if (control != decoded->end()) {
    return Status::InvalidArgument(std::string(what) + " holds the control character " +
                                   std::to_string(static_cast<int>(*control)));
  }
  return Status::Ok();
}

std::string SignatureLine(const NoteSignature& signature) {
  std::string bytes;
  for (int shift = 24; shift >= 0; shift -= 8) {
    bytes += static_cast<char>(signature.key_hash >> shift & 0xff);
  }
  return std::string(kSignaturePrefix) + signature.name + " " +
         crypto::EncodeBase64(bytes + signature.signature) + "\n";
}

Result<NoteSignature> ParseSignatureLine(std::string_view line, std::size_t number) {
  const std::string where = "signature line " + std::to_string(number);
  if (!line.starts_with(kSignaturePrefix)) {
    return Status::InvalidArgument(where + " does not start with \"— \"");
  }
  line.remove_prefix(kSignaturePrefix.size());
  const std::size_t space = line.find(' ');
  if (space == std::string_view::npos) {
    return Status::InvalidArgument(where + " is not \"— <name> <signature>\"");
  }
  NoteSignature signature;
  signature.name = std::string(line.substr(0, space));
  if (!IsValidNoteKeyName(signature.name)) {
    return Status::InvalidArgument(where + " has an invalid key name");
  }
  auto bytes = crypto::DecodeBase64(line.substr(space + 1));
  if (!bytes.ok() || bytes->size() < 5) {
    return Status::InvalidArgument(where + " has a signature that is not base64 of 5+ bytes");
  }
  for (int i = 0; i < 4; ++i) {
    signature.key_hash = signature.key_hash << 8 | static_cast<unsigned char>((*bytes)[i]);
  }
  signature.signature = bytes->substr(4);
  return signature;
}

// The text and the signature lines of a signed note, in order.
struct SplitNote {
  std::string text;
  std::vector<NoteSignature> signatures;
};

Result<SplitNote> SplitSignedNote(std::string_view message) {
  if (Status bad = CheckNoteCharacters(message, "the note"); !bad.ok()) return bad;
  const std::size_t blank = message.rfind("\n\n");
  if (blank == std::string_view::npos) {
    return Status::InvalidArgument("the note has no blank line before its signatures");
  }
  SplitNote note{std::string(message.substr(0, blank + 1)), {}};
  std::string_view lines = message.substr(blank + 2);
  if (lines.empty() || lines.back() != '\n') {
    return Status::InvalidArgument("the note's signatures are missing or lack a final newline");
  }
  while (!lines.empty()) {
    if (note.signatures.size() == kMaxSignatures) {
      return Status::InvalidArgument("the note has more than 100 signatures");
    }
    const std::size_t end = lines.find('\n');
    auto signature = ParseSignatureLine(lines.substr(0, end), note.signatures.size() + 1);
    if (!signature.ok()) return signature.status();
    note.signatures.push_back(std::move(signature).value());
    lines.remove_prefix(end + 1);
  }
  return note;
}

bool SameKey(const NoteSignature& a, const NoteSignature& b) {
  return a.name == b.name && a.key_hash == b.key_hash;
}

// Adds `signature` to `list` unless an identical one is there (a repeated line counts once).
void AddUnverified(std::vector<NoteSignature>& list, NoteSignature signature) {
  if (std::find(list.begin(), list.end(), signature) == list.end()) {
    list.push_back(std::move(signature));
  }
}

std::string KeyId(const NoteSignature& signature) {
  char hex[9];
  std::snprintf(hex, sizeof hex, "%08x", signature.key_hash);
  return signature.name + "+" + hex;
}

}  // namespace

Result<Note> ParseNote(std::string_view message) {
  auto split = SplitSignedNote(message);
  if (!split.ok()) return split.status();
  Note note{std::move(split->text), {}, {}};
  for (auto& signature : split->signatures) AddUnverified(note.unverified, std::move(signature));
  return note;
}

Result<Note> OpenNote(std::string_view message, std::span<const NoteVerifier> known) {
  auto split = SplitSignedNote(message);
  if (!split.ok()) return split.status();
  Note note{std::move(split->text), {}, {}};
  for (auto& signature : split->signatures) {
    const NoteVerifier* verifier = nullptr;
    for (const NoteVerifier& candidate : known) {
      if (candidate.name() != signature.name || candidate.key_hash() != signature.key_hash) {
        continue;
      }
      if (verifier != nullptr) {
        return Status::InvalidArgument("two known keys are " + KeyId(signature));
      }
      verifier = &candidate;
    }
    if (verifier == nullptr) {
      AddUnverified(note.unverified, std::move(signature));
      continue;
    }
    const bool repeated = std::any_of(note.verified.begin(), note.verified.end(),
                                      [&](const auto& seen) { return SameKey(seen, signature); });
    if (repeated) continue;
    auto timestamp = verifier->Verify(note.text, signature.signature);
    if (!timestamp.ok()) return timestamp.status();
    signature.timestamp = *timestamp;
    note.verified.push_back(std::move(signature));
  }
  if (note.verified.empty()) {
    std::string signers;
    for (const auto& signature : note.unverified) {
      signers += (signers.empty() ? "" : ", ") + KeyId(signature);
    }
    return Status::InvalidArgument("the note has no signature by a known key (signed by " +
                                   signers + ")");
  }
  return note;
}

Result<std::string> SignNote(const Note& note, std::span<const NoteSigner> signers,
                             std::optional<std::int64_t> unix_seconds) {
  if (note.text.empty() || note.text.back() != '\n') {
    return Status::InvalidArgument("a note's text ends in a newline");
  }
  if (Status bad = CheckNoteCharacters(note.text, "the note's text"); !bad.ok()) return bad;
  const std::int64_t now =
      unix_seconds.value_or(std::chrono::duration_cast<std::chrono::seconds>(
                                std::chrono::system_clock::now().time_since_epoch())
                                .count());
  std::string message = note.text + "\n";
  const auto replaced = [&](const NoteSignature& signature) {
    return std::any_of(signers.begin(), signers.end(), [&](const NoteSigner& signer) {
      return signer.name() == signature.name && signer.key_hash() == signature.key_hash;
    });
  };
  for (const auto* list : {&note.verified, &note.unverified}) {
    for (const NoteSignature& signature : *list) {
      if (!IsValidNoteKeyName(signature.name)) {
        return Status::InvalidArgument("a kept signature has an invalid key name");
      }
      if (!replaced(signature)) message += SignatureLine(signature);
    }
  }
  for (const NoteSigner& signer : signers) {
    message += SignatureLine(
        {signer.name(), signer.key_hash(), signer.Sign(note.text, now), std::nullopt});
  }
  return message;
}

}  // namespace hattama::tlog
