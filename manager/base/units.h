// Sizes people type and read: frame sizes ("640x480"), byte counts
// ("256M" in, "12.3M" out), and bounded whole numbers. Free functions; the
// errors name the option and say what was expected, in one line.
#ifndef TABSIM_MANAGER_BASE_UNITS_H_
#define TABSIM_MANAGER_BASE_UNITS_H_

#include <cstdint>
#include <string>
#include <utility>

#include "common/result.h"

namespace tabsim {

// A decimal whole number within [min, max]; the error names `option`.
Result<long> ParseInteger(const std::string& option, const std::string& text,
                          long min, long max);

// "640x480" -> {640, 480}, within 1..kMaxFrameDimension.
Result<std::pair<int, int>> ParseSize(const std::string& text);

// "256M", "1G", "4096", "64k" -> bytes (binary units: K = 1024). At least
// 1 MiB, at most 1 TiB.
Result<uint64_t> ParseMemorySize(const std::string& option,
                                 const std::string& text);

// "12.3M", "512K", "1.2G" (binary units), for tables.
std::string FormatBytes(uint64_t bytes);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BASE_UNITS_H_
