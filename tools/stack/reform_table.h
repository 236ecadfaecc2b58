// The reform table hattama-demo prints at the end of the night: publication's
// AnalysisService.GetReforms for a contest (issue #16 item 3), as a person reads it.
#pragma once

#include <ostream>
#include <string>

#include "hattama/v1/analysis.pb.h"

namespace hattama::stack {

// The table of `reforms`: one line a ballot option with its votes, share and seats under each
// system side by side, then the against-all rule, the minimum turnout and the share of registered
// voters (and of the population) whose votes elected the seats.
std::string FormatReformTable(const v1::Reforms& reforms);

// Asks publication at `address` (gRPC) for the reforms of `contest_id` with the defaults and
// prints the table to `out`. False, saying why on `out`, when publication does not answer.
bool PrintReformTable(const std::string& address, const std::string& contest_id, std::ostream& out);

}  // namespace hattama::stack
