// The deployment table against a real redis-server and the embedded Kafka: each event counted
// once, stations covered counted once per station and scope, and a replay changes nothing.
#include "services/aggregation/deployment_applier.h"

#include <gtest/gtest.h>

#include <future>

#include "common/kafka/producer.h"
#include "common/kafka/topics.h"
#include "hattama/v1/records.pb.h"
#include "tests/testing/election.h"
#include "tools/stack/stack.h"

namespace hattama::aggregation {
namespace {

using namespace std::chrono_literals;

std::map<std::string, int64_t> Counts(const std::string& redis_address) {
  auto connection = redis::Connection::Connect(redis_address, 2s);
  EXPECT_TRUE(connection.ok());
  auto reply = (*connection)->Run({"HGETALL", redis::layout::DeploymentCountsKey()});
  EXPECT_TRUE(reply.ok());
  std::map<std::string, int64_t> counts;
  for (size_t i = 0; i + 1 < reply->elements.size(); i += 2) {
    counts[reply->elements[i].str] = std::stoll(reply->elements[i + 1].str);
  }
  return counts;
}

TEST(DeploymentApplier, CountsEachEventOnceAndEachCoveredStationOnceEvenOnReplay) {
  auto redis = stack::RedisServer::Start();
  ASSERT_TRUE(redis.ok()) << redis.status().message();
  auto kafka = stack::DevKafka::Start(2);
  ASSERT_TRUE(kafka.ok()) << kafka.status().message();
  auto producer = kafka::Producer::Create((*kafka)->bootstrap());
  ASSERT_TRUE(producer.ok());
  int events = 0;
  auto send = [&](const std::string& id, const std::string& station, v1::DeploymentEventKind kind,
                  const std::string& organisation = "") {
    v1::DeploymentEvent event;
    event.set_event_id(id);
    event.set_station_id(station);
    event.set_kind(kind);
    event.set_organisation_id(organisation);
    std::promise<Status> done;
    ASSERT_TRUE(
        (*producer)
            ->Produce(kafka::kDeploymentTopic, -1, station, event.SerializeAsString(),
                      [&](const Status& status, int32_t, int64_t) { done.set_value(status); })
            .ok());
    ASSERT_TRUE(done.get_future().get().ok());
    ++events;
  };
  // S1 and S2 are in region kz-a, S4 in kz-b.
  send("e1", "S1", v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT);
  send("e2", "S2", v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT);
  send("e3", "S4", v1::DEPLOYMENT_EVENT_KIND_MANDATE_SENT);
  send("e4", "S1", v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED, "org-1");
  send("e5", "S1", v1::DEPLOYMENT_EVENT_KIND_OBSERVER_ADMITTED,
       "org-1");  // A second observer, same station.
  send("e6", "S1", v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED);
  send("e6", "S1", v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_OBTAINED);  // Resent.
  send("e7", "S4", v1::DEPLOYMENT_EVENT_KIND_PROTOCOL_CONFISCATED);

  // Each event counts in its station's district, region and the nation, and in its
  // organisation's scope when it names one.
  const std::map<std::string, int64_t> expected = {{"kz-a-1|mandates_sent", 2},
                                                   {"kz-a|mandates_sent", 2},
                                                   {"kz-b-1|mandates_sent", 1},
                                                   {"kz-b|mandates_sent", 1},
                                                   {"kz|mandates_sent", 3},
                                                   {"kz-a-1|observers_admitted", 2},
                                                   {"kz-a|observers_admitted", 2},
                                                   {"kz|observers_admitted", 2},
                                                   {"organisation:org-1|observers_admitted", 2},
                                                   {"kz-a-1|stations_covered", 1},
                                                   {"kz-a|stations_covered", 1},
                                                   {"kz|stations_covered", 1},
                                                   {"organisation:org-1|stations_covered", 1},
                                                   {"kz-a-1|protocols_obtained", 1},
                                                   {"kz-a|protocols_obtained", 1},
                                                   {"kz|protocols_obtained", 1},
                                                   {"kz-b-1|protocols_confiscated", 1},
                                                   {"kz-b|protocols_confiscated", 1},
                                                   {"kz|protocols_confiscated", 1}};
  for (const std::string group : {"first", "replay-from-the-start"}) {
    auto applier = DeploymentApplier::Create({.kafka_bootstrap = (*kafka)->bootstrap(),
                                              .redis = {.address = (*redis)->address()},
                                              .group = group},
                                             testing::TinyRegistry());
    ASSERT_TRUE(applier.ok()) << applier.status().message();
    int read = 0;
    const auto deadline = std::chrono::steady_clock::now() + 30s;
    while (read < events && std::chrono::steady_clock::now() < deadline) {
      auto once = (*applier)->RunOnce(200ms);
      ASSERT_TRUE(once.ok()) << once.status().message();
      read += static_cast<int>(*once);
    }
    ASSERT_EQ(read, events) << group;
    EXPECT_EQ(Counts((*redis)->address()), expected) << group;
  }
}

}  // namespace
}  // namespace hattama::aggregation
