#include "manager/base/units.h"

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstdlib>

#include "common/protocol.h"

namespace tabsim {

Result<long> ParseInteger(const std::string& option, const std::string& text,
                          long min, long max) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  // strtol would skip leading blanks and take a '+'; a number typed on a
  // command line has neither.
  const bool starts_well =
      !text.empty() && (std::isdigit(static_cast<unsigned char>(text[0])) ||
                        (text[0] == '-' && text.size() > 1));
  if (!starts_well || errno != 0 || *end != '\0' || value < min ||
      value > max)
    return Error{option + ": '" + text + "' is not a whole number from " +
                     std::to_string(min) + " to " + std::to_string(max),
                 EINVAL};
  return value;
}

Result<std::pair<int, int>> ParseSize(const std::string& text) {
  auto x = text.find('x');
  if (x == std::string::npos)
    return Error{"--size: '" + text + "' is not WIDTHxHEIGHT", EINVAL};
  auto width = ParseInteger("--size", text.substr(0, x), 1, kMaxFrameDimension);
  if (!width.ok()) return width.error();
  auto height = ParseInteger("--size", text.substr(x + 1), 1, kMaxFrameDimension);
  if (!height.ok()) return height.error();
  return std::pair<int, int>(int(*width), int(*height));
}

Result<uint64_t> ParseMemorySize(const std::string& option,
                                 const std::string& text) {
  auto bad = [&] {
    return Error{option + ": '" + text +
                     "' is not a size (bytes, or a number with K, M or G; "
                     "from 1M to 1024G)",
                 EINVAL};
  };
  if (text.empty() || !std::isdigit(static_cast<unsigned char>(text[0])))
    return bad();
  char* end = nullptr;
  errno = 0;
  unsigned long long number = std::strtoull(text.c_str(), &end, 10);
  if (errno != 0) return bad();
  std::string suffix = end;
  for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  if (suffix.size() == 2 && suffix[1] == 'B') suffix.pop_back();
  if (suffix.size() == 3 && suffix.substr(1) == "IB") suffix.resize(1);
  int shift = 0;
  if (suffix.empty() || suffix == "B") shift = 0;
  else if (suffix == "K") shift = 10;
  else if (suffix == "M") shift = 20;
  else if (suffix == "G") shift = 30;
  else return bad();
  constexpr unsigned long long kMin = 1ull << 20, kMax = 1ull << 40;
  if (number > (kMax >> shift)) return bad();
  unsigned long long bytes = number << shift;
  if (bytes < kMin) return bad();
  return uint64_t{bytes};
}

std::string FormatBytes(uint64_t bytes) {
  char text[32];
  if (bytes < 1024) {
    std::snprintf(text, sizeof(text), "%lluB", (unsigned long long)bytes);
  } else if (bytes < (1ull << 20)) {
    std::snprintf(text, sizeof(text), "%.0fK", bytes / 1024.0);
  } else if (bytes < (1ull << 30)) {
    std::snprintf(text, sizeof(text), "%.1fM", bytes / 1048576.0);
  } else {
    std::snprintf(text, sizeof(text), "%.2fG", bytes / 1073741824.0);
  }
  return text;
}

}  // namespace tabsim
