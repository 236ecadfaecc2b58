// How a caller adjusts one of the Kafka clients (producer.h, consumer.h, reader.h): librdkafka
// configuration properties layered over Hattama's defaults, which any of them may replace.
#pragma once

#include <map>
#include <string>

namespace hattama::kafka {

// librdkafka configuration properties ("key" -> "value"), e.g. {"message.timeout.ms", "5000"}.
using Properties = std::map<std::string, std::string>;

}  // namespace hattama::kafka
