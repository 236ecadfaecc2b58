#include "common/tlog/checkpoint.h"

#include <charconv>

#include "common/tlog/note.h"

namespace hattama::tlog {
namespace {

bool IsLine(std::string_view line) {
  return !line.empty() && line.find('\n') == std::string_view::npos;
}

}  // namespace

Result<std::string> FormatCheckpoint(const Checkpoint& checkpoint) {
  if (!IsLine(checkpoint.origin)) {
    return Status::InvalidArgument("a checkpoint's origin is one non-empty line");
  }
  if (checkpoint.size < 0) return Status::InvalidArgument("a tree size is not negative");
  std::string text = checkpoint.origin + "\n" + std::to_string(checkpoint.size) + "\n" +
                     HashToBase64(checkpoint.root) + "\n";
  for (const std::string& extension : checkpoint.extensions) {
    if (!IsLine(extension)) {
      return Status::InvalidArgument("a checkpoint's extension line is one non-empty line");
    }
    text += extension + "\n";
  }
  return text;
}

Result<Checkpoint> ParseCheckpoint(std::string_view text) {
  if (text.empty() || text.back() != '\n') {
    return Status::InvalidArgument("a checkpoint's text ends in a newline");
  }
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const std::size_t end = rest.find('\n');
    lines.push_back(rest.substr(0, end));
    rest.remove_prefix(end + 1);
  }
  if (lines.size() < 3) {
    return Status::InvalidArgument("a checkpoint has at least 3 lines (origin, size, root hash)");
  }
  Checkpoint checkpoint;
  checkpoint.origin = std::string(lines[0]);
  if (checkpoint.origin.empty()) return Status::InvalidArgument("the checkpoint's origin is empty");

  const std::string_view size = lines[1];
  const auto [end, error] =
      std::from_chars(size.data(), size.data() + size.size(), checkpoint.size);
  const bool leading_zero = size.size() > 1 && size.front() == '0';
  if (size.empty() || error != std::errc() || end != size.data() + size.size() || leading_zero ||
      checkpoint.size < 0 || size.front() == '-') {
    return Status::InvalidArgument("the checkpoint's second line \"" +
                                   std::string(size.substr(0, 40)) +
                                   "\" is not a tree size in decimal");
  }
  auto root = HashFromBase64(lines[2]);
  if (!root.ok()) {
    return Status::InvalidArgument("the checkpoint's third line is not a root hash: " +
                                   root.status().message());
  }
  checkpoint.root = *root;
  for (std::size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return Status::InvalidArgument("the checkpoint's line " + std::to_string(i + 1) +
                                     " is an empty extension line");
    }
    checkpoint.extensions.emplace_back(lines[i]);
  }
  return checkpoint;
}

Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteSigner& signer) {
  auto text = FormatCheckpoint(checkpoint);
  if (!text.ok()) return text.status();
  return SignNote(Note{std::move(text).value(), {}, {}}, std::span(&signer, 1));
}

Result<Checkpoint> OpenCheckpoint(std::string_view signed_note, std::string_view origin,
                                  const NoteVerifier& log_key) {
  auto note = OpenNote(signed_note, std::span(&log_key, 1));
  if (!note.ok()) return note.status();
  auto checkpoint = ParseCheckpoint(note->text);
  if (!checkpoint.ok()) return checkpoint.status();
  if (checkpoint->origin != origin) {
    return Status::InvalidArgument("the checkpoint is of the log \"" + checkpoint->origin +
                                   "\", not \"" + std::string(origin) + "\"");
  }
  return checkpoint;
}

}  // namespace hattama::tlog
