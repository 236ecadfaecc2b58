// What the benchmark's parts share to report as they go: a progress line, a duration in ms or s.
#pragma once

#include <chrono>
#include <iostream>
#include <string>

namespace hattama::bench {

// A progress line, indented under its part's heading, shown at once.
inline void Say(const std::string& line) { std::cout << "   " << line << "\n" << std::flush; }

inline double Millis(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double, std::milli>(d).count();
}

inline double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace hattama::bench
