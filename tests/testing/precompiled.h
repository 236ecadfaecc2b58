// The headers most test files parse, precompiled once for every hattama_test target
// (tests/CMakeLists.txt, hattama_test_base): gtest, gRPC, cpp-httplib, protobuf's JSON and message
// comparison, spdlog and fmt, and the standard headers the tests use most. Each test file still
// includes what it uses; this only saves parsing them again in each of the ~120 test files.
#pragma once

#include <fmt/format.h>
#include <google/protobuf/util/json_util.h>
#include <google/protobuf/util/message_differencer.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <future>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>
