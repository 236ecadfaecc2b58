// Witnesses' C2SP verifier keys, of type cosignature/v1 (C2SP tlog-cosignature; note_key.h), given
// on the command line or in files: those a log accepts cosignatures from (hattama-tlog
// --witness-key), and those a checker requires (hattama-verify cosigned --witness).
//
// Each value is one or more verifier keys separated by blanks (a key holds none), or "@FILE": a
// file of verifier keys, blank-separated too, where a line starting with '#' is a comment. So
// `--witness-key KEY --witness-key @witnesses.txt` and HATTAMA_WITNESS_KEYS="KEY1 KEY2" all work.
#pragma once

#include <string>
#include <vector>

#include "common/base/result.h"
#include "common/tlog/note_key.h"

namespace hattama::tlog {

// The verifiers the values (of flag `flag`) name; InvalidArgument naming the value, file or key
// that is wrong: a key that does not parse, one not of type cosignature/v1, two keys of one name
// (a witness is known by its name), or a witness named as the log (`log_name`).
Result<std::vector<NoteVerifier>> ParseWitnessKeys(const std::vector<std::string>& values,
                                                   const std::string& log_name,
                                                   const std::string& flag = "--witness-key");

}  // namespace hattama::tlog
