#include "bench/apply_script.h"

#include <fstream>
#include <sstream>

#include "bench/redis_pipeline.h"
#include "common/redis/layout.h"
#include "common/redis/redis.h"
#include "tools/stack/stack.h"

namespace hattama::bench {
namespace {

namespace layout = redis::layout;

Result<std::string> ApplyLuaSource() {
  std::ifstream in(HATTAMA_APPLY_LUA_PATH);
  if (!in) return Status::Error(std::string("cannot read ") + HATTAMA_APPLY_LUA_PATH);
  std::stringstream source;
  source << in.rdbuf();
  return source.str();
}

// EVALSHA as services/aggregation/applier.cc builds it (KEYS and ARGV: apply.lua's header).
int AppendApplyCall(const std::string& sha, const PreparedProtocol& protocol,
                    const ProtocolNames& names, int64_t offset, std::string& out) {
  const int32_t p = names.partition;
  const std::string& contest = protocol.contest_id;
  const std::string& station = names.station_id;
  const std::string key_count = std::to_string(6 + names.areas.size());
  const std::string partition = std::to_string(p);
  const std::string offset_text = std::to_string(offset);
  std::vector<std::string> keys = {
      layout::SeenKey(p, names.submission_id), layout::VersionsKey(p, contest, station),
      layout::StationKey(p, contest, station), layout::BackersKey(p, contest, station),
      layout::FiguresKey(p, contest, station), layout::PositionKey(p)};
  for (const auto& area : names.areas) keys.push_back(layout::TotalsKey(p, contest, area));
  std::vector<std::string_view> command = {"EVALSHA", sha, key_count};
  command.insert(command.end(), keys.begin(), keys.end());
  command.insert(command.end(), {names.submission_id, protocol.digest, protocol.record, "protocol",
                                 protocol.observer_id, "0", "0", protocol.figures_digest, contest,
                                 "observer", partition, offset_text});
  command.insert(command.end(), names.areas.begin(), names.areas.end());
  for (const auto& [field, value] : protocol.fields) {
    command.push_back(field);
    command.push_back(value);
  }
  AppendCommand(out, command);
  return 1;
}

}  // namespace

Result<double> ApplyScriptRate(std::span<const PreparedProtocol> samples,
                               const RedisWriteOptions& options) {
  if (samples.empty()) return Status::Error("no sample protocols");
  auto source = ApplyLuaSource();
  if (!source.ok()) return source.status();
  const redis::Script script(*source);
  auto server = stack::RedisServer::Start();
  if (!server.ok()) return server.status();
  auto loaded = PipelinedRate({.port = (*server)->port(), .units = 1, .connections = 1},
                              [&](int64_t, std::string& out) {
                                AppendCommand(out, {"SCRIPT", "LOAD", *source});
                                return 1;
                              });
  if (!loaded.ok()) return loaded.status();
  return PipelinedRate({.port = (*server)->port(),
                        .units = options.protocols,
                        .connections = options.connections,
                        .depth = options.depth},
                       [&](int64_t unit, std::string& out) {
                         return AppendApplyCall(script.sha(),
                                                samples[static_cast<size_t>(unit) % samples.size()],
                                                NamesOf(unit, options.partitions), unit, out);
                       });
}

}  // namespace hattama::bench
