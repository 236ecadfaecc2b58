#include "tools/hub/desk/demo_desk.h"

#include <arpa/inet.h>
#include <fmt/format.h>
#include <grpcpp/grpcpp.h>
#include <httplib.h>
#include <zlib.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <map>

#include "common/domain/checks.h"
#include "hattama/v1/publication.grpc.pb.h"
#include "tools/hub/client/hub_tokens.h"
#include "tools/stack/stack.h"

namespace hattama::desk {
namespace {

// 3x5 digits, a row a string.
constexpr std::array<std::array<const char*, 5>, 10> kDigits = {{
    {"###", "#.#", "#.#", "#.#", "###"},
    {".#.", "##.", ".#.", ".#.", "###"},
    {"###", "..#", "###", "#..", "###"},
    {"###", "..#", "###", "..#", "###"},
    {"#.#", "#.#", "###", "..#", "..#"},
    {"###", "#..", "###", "..#", "###"},
    {"###", "#..", "###", "#.#", "###"},
    {"###", "..#", "..#", "..#", "..#"},
    {"###", "#.#", "###", "#.#", "###"},
    {"###", "#.#", "###", "..#", "###"},
}};
constexpr int kScale = 4;
constexpr int kAdvance = 4 * kScale;  // a digit and a column of space
constexpr int kLineHeight = 7 * kScale;
constexpr int kMargin = 12;

void Chunk(std::string& png, const char* type, const std::string& data) {
  const uint32_t length = htonl(static_cast<uint32_t>(data.size()));
  png.append(reinterpret_cast<const char*>(&length), 4);
  const std::string body = std::string(type, 4) + data;
  png += body;
  const uint32_t crc = htonl(static_cast<uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(body.data()), static_cast<uInt>(body.size()))));
  png.append(reinterpret_cast<const char*>(&crc), 4);
}

// Figures consistent with `registered` voters over `options` lines: 62 % turnout, a few spoiled.
std::vector<int64_t> ProtocolLines(int64_t registered, size_t options, size_t seed) {
  const int64_t issued = registered * 62 / 100;
  const int64_t spoiled = 2 + static_cast<int64_t>(seed % 5);
  const int64_t valid = issued - spoiled;
  std::vector<int64_t> lines = {registered,          0,      registered, issued,
                                registered - issued, issued, spoiled,    valid};
  int64_t left = valid;
  for (size_t i = 0; i < options; ++i) {
    const int64_t votes =
        i + 1 == options ? left : left * static_cast<int64_t>(40 + seed % 7) / 100;
    lines.push_back(votes);
    left -= votes;
  }
  return lines;
}

// Whether publication shows any protocol (counted or not) of the target's station and contest; a
// station publication cannot answer for counts as reported (not a new protocol for sure).
bool Reported(v1::PublicationService::Stub& publication, const DeskTarget& target) {
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(5));
  v1::GetStationResultsRequest request;
  request.set_station_id(target.station_id);
  v1::StationResults results;
  if (!publication.GetStationResults(&context, request, &results).ok()) return true;
  return std::any_of(
      results.contests().begin(), results.contests().end(),
      [&](const v1::StationContestResult& result) {
        return result.contest_id() == target.contest_id &&
               (result.versions_size() > 0 || result.has_counted() || result.has_official());
      });
}

}  // namespace

std::pair<std::string, std::vector<DeskTarget>> PickDeskTargets(
    const domain::Registry& registry, const std::string& contest_id, size_t count,
    const std::function<bool(const DeskTarget&)>& usable) {
  if (registry.observers() == nullptr) return {};
  std::map<std::string, std::vector<DeskTarget>> by_hub;
  for (const domain::Station& station : registry.stations()) {
    const auto* observer = registry.observers()->FindObserver("obs-" + station.station_id());
    if (observer == nullptr || !domain::Registry::HoldsContest(station, contest_id)) continue;
    DeskTarget target{station.station_id(), contest_id, observer->observer_id()};
    if (usable && !usable(target)) continue;
    auto& targets = by_hub[observer->hub_ids().front()];
    targets.push_back(std::move(target));
    if (targets.size() == count) return {observer->hub_ids().front(), targets};
  }
  return {};
}

Result<std::vector<std::string>> DemoDeskStations(const std::string& registry_dir, size_t photos) {
  auto registry =
      domain::Registry::Load(registry_dir + "/election.json", registry_dir + "/stations.csv");
  if (!registry.ok()) return registry.status();
  const auto [hub_id, targets] =
      PickDeskTargets(**registry, (*registry)->election().contests(0).contest_id(), photos);
  if (targets.empty()) return Status::FailedPrecondition("no hub relays enough observers");
  std::vector<std::string> stations;
  for (const DeskTarget& target : targets) stations.push_back(target.station_id);
  return stations;
}

std::string DrawProtocolPng(const std::vector<int64_t>& lines) {
  std::vector<std::string> texts;
  size_t widest = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    texts.push_back(fmt::format("{:02} {}", i + 1, lines[i]));
    widest = std::max(widest, texts.back().size());
  }
  const int width = 2 * kMargin + static_cast<int>(widest) * kAdvance;
  const int height = 2 * kMargin + static_cast<int>(texts.size()) * kLineHeight;
  // A filter byte (0) before each row of grey pixels, white paper.
  std::string raw(static_cast<size_t>((width + 1) * height), static_cast<char>(0xF4));
  for (int y = 0; y < height; ++y) raw[static_cast<size_t>(y * (width + 1))] = 0;
  for (size_t line = 0; line < texts.size(); ++line) {
    for (size_t c = 0; c < texts[line].size(); ++c) {
      const char ch = texts[line][c];
      if (ch < '0' || ch > '9') continue;
      for (int row = 0; row < 5; ++row) {
        for (int col = 0; col < 3; ++col) {
          if (kDigits[ch - '0'][row][col] != '#') continue;
          for (int dy = 0; dy < kScale; ++dy) {
            for (int dx = 0; dx < kScale; ++dx) {
              const int x = kMargin + static_cast<int>(c) * kAdvance + col * kScale + dx;
              const int y = kMargin + static_cast<int>(line) * kLineHeight + row * kScale + dy;
              raw[static_cast<size_t>(y * (width + 1) + 1 + x)] = 0x20;
            }
          }
        }
      }
    }
  }
  uLongf size = compressBound(static_cast<uLong>(raw.size()));
  std::string deflated(size, '\0');
  compress2(reinterpret_cast<Bytef*>(deflated.data()), &size,
            reinterpret_cast<const Bytef*>(raw.data()), static_cast<uLong>(raw.size()), 9);
  deflated.resize(size);
  std::string header(13, '\0');
  const uint32_t w = htonl(static_cast<uint32_t>(width));
  const uint32_t h = htonl(static_cast<uint32_t>(height));
  header.replace(0, 4, reinterpret_cast<const char*>(&w), 4);
  header.replace(4, 4, reinterpret_cast<const char*>(&h), 4);
  header[8] = 8;  // bit depth; colour type 0 (grey), no interlace
  std::string png = "\x89PNG\r\n\x1A\n";
  Chunk(png, "IHDR", header);
  Chunk(png, "IDAT", deflated);
  Chunk(png, "IEND", "");
  return png;
}

Result<DemoDesk> StartDemoDesk(const std::string& registry_dir, const std::string& ingestion,
                               const std::string& publication, const std::string& work_dir,
                               size_t photos, std::ostream& out) {
  auto registry =
      domain::Registry::Load(registry_dir + "/election.json", registry_dir + "/stations.csv");
  if (!registry.ok()) return registry.status();
  const std::string contest = (*registry)->election().contests(0).contest_id();
  auto reader = v1::PublicationService::NewStub(
      grpc::CreateChannel(publication, grpc::InsecureChannelCredentials()));
  const auto [hub_id, targets] = PickDeskTargets(
      **registry, contest, photos, [&](const DeskTarget& t) { return !Reported(*reader, t); });
  if (targets.empty()) {
    return Status::FailedPrecondition(
        fmt::format("no hub relays {} observers of stations nobody reported", photos));
  }
  auto tokens = hub::LoadHubTokens(registry_dir + "/hub-tokens.csv");
  if (!tokens.ok()) return tokens.status();
  const std::string data = work_dir + "/desk";
  std::filesystem::create_directories(data);
  const std::string hub = stack::BinaryPath("hattama-hub");
  const std::vector<std::pair<std::string, std::string>> operators = {
      {"alice", "operator"}, {"bob", "operator"}, {"carol", "supervisor"}};
  for (const auto& [name, role] : operators) {
    auto add = stack::Process::Start(
        {.argv = {hub, "desk", "--dir", registry_dir, "--data", data, "--add-operator", name,
                  "--role", role, "--operator-token", name + "-demo-token"},
         .log_path = data + "/desk.log"});
    if (!add.ok()) return add.status();
    (void)(*add)->Wait(std::chrono::seconds(10));
  }
  const int port = stack::FreePort();
  auto process = stack::Process::Start(
      {.argv = {hub, "desk", "--dir", registry_dir, "--data", data, "--hub-id", hub_id, "--token",
                tokens->at(hub_id), "--ingestion", ingestion, "--listen",
                "0.0.0.0:" + std::to_string(port)},
       .log_path = data + "/desk.log"});
  if (!process.ok()) return process.status();
  if (Status s = stack::WaitUntilListening(**process, port, std::chrono::seconds(10)); !s.ok()) {
    return s;
  }
  httplib::Client client("127.0.0.1", port);
  auto login = client.Post("/api/login", R"({"name":"alice","token":"alice-demo-token"})",
                           "application/json");
  if (!login || login->status != 200) return Status::Unavailable("the demo desk refused alice");
  const std::string cookie = login->get_header_value("Set-Cookie");
  const httplib::Headers headers = {{"Cookie", cookie.substr(0, cookie.find(';'))}};
  const v1::Contest* ballot = (*registry)->FindContest(contest);
  out << "== the hub's desk of " << hub_id << ": http://127.0.0.1:" << port
      << "/ (also on this machine's other addresses)\n"
      << "   operators (name / token): alice / alice-demo-token, bob / bob-demo-token, carol / "
         "carol-demo-token (supervisor)\n";
  for (size_t i = 0; i < targets.size(); ++i) {
    const auto* station = (*registry)->FindStation(targets[i].station_id);
    const std::string png = DrawProtocolPng(ProtocolLines(
        station->registered_voters(), static_cast<size_t>(ballot->options_size()), i));
    auto uploaded =
        client.Post(fmt::format("/api/photos?station_id={}&contest_id={}&observer_id={}",
                                targets[i].station_id, contest, targets[i].observer_id),
                    headers, png, "image/png");
    if (!uploaded || uploaded->status != 200) {
      return Status::Unavailable("the demo desk refused a photo: " +
                                 (uploaded ? uploaded->body : std::string("no answer")));
    }
    out << "   photo of " << targets[i].station_id << " × " << contest << " by "
        << targets[i].observer_id << " received, to type twice\n";
  }
  out << std::flush;
  return DemoDesk{std::move(*process), fmt::format("http://127.0.0.1:{}", port)};
}

}  // namespace hattama::desk
