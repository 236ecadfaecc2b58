// The C2SP tlog-checkpoint format (https://c2sp.org/tlog-checkpoint): a log's tree head as the
// text of a signed note (note.h), one item a line, each line ending in "\n":
//
//   <origin>                 the log's name, e.g. "hattama.example/log"; non-empty, one line
//   <tree size>              decimal, no leading zeros ("0" for the empty tree)
//   <root hash>              base64 of the 32-byte RFC 6962 root hash (hash.h)
//   [<extension line>...]    optional, each non-empty; opaque to the format
//
// for example
//
//   example.com/behind-the-sofa
//   20852163
//   CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=
//
// The log signs this text with its note key (an Ed25519 key of type 0x01, note_key.h), whose name
// should be the origin; witnesses add cosignatures (type 0x04) to the same note.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "common/base/result.h"
#include "common/tlog/hash.h"
#include "common/tlog/note_key.h"

namespace hattama::tlog {

struct Checkpoint {
  std::string origin;
  std::int64_t size = 0;
  Hash root{};
  std::vector<std::string> extensions;  // extension lines, without their "\n"
  friend bool operator==(const Checkpoint&, const Checkpoint&) = default;
};

// The note text of `checkpoint`; InvalidArgument if the origin or an extension line is empty or
// holds a newline, or the size is negative.
Result<std::string> FormatCheckpoint(const Checkpoint& checkpoint);
// The checkpoint a note text holds (the text only, signatures already split off by OpenNote);
// InvalidArgument naming the line that is wrong.
Result<Checkpoint> ParseCheckpoint(std::string_view text);

// A signed checkpoint note: `checkpoint` formatted and signed by the log's `signer`.
Result<std::string> SignCheckpoint(const Checkpoint& checkpoint, const NoteSigner& signer);
// The checkpoint in a signed note that `log_key` signed, whose origin is `origin`. Signatures by
// other keys (witnesses) are ignored here; OpenNote reports them. InvalidArgument otherwise.
Result<Checkpoint> OpenCheckpoint(std::string_view signed_note, std::string_view origin,
                                  const NoteVerifier& log_key);

}  // namespace hattama::tlog
