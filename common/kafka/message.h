// One record as the Consumer (consumer.h) and the Reader (reader.h) hand it out.
#pragma once

#include <cstdint>
#include <string>

namespace hattama::kafka {

struct Message {
  std::string topic;
  int32_t partition = -1;
  int64_t offset = -1;
  std::string key;
  std::string value;
};

}  // namespace hattama::kafka
