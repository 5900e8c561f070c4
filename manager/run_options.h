// `tabsim run` options and their parser. Parsing never exits or prints:
// a bad argument comes back as an Error whose message is the one line the
// user sees.
#ifndef TABSIM_MANAGER_RUN_OPTIONS_H_
#define TABSIM_MANAGER_RUN_OPTIONS_H_

#include <optional>
#include <string>
#include <vector>

#include "common/result.h"

namespace tabsim {

enum class UiMode { kNone };

struct RunOptions {
  int tabs = 0;                    // 0: one per --page, or 3
  std::vector<std::string> pages;  // cycled over the tabs
  int width = 480;
  int height = 320;
  std::optional<double> duration_seconds;
  UiMode ui = UiMode::kNone;
  std::string json_path;
  std::string tab_executable;  // empty: next to this binary
  bool help = false;
};

inline constexpr int kMaxTabs = 1024;

Result<RunOptions> ParseRunOptions(const std::vector<std::string>& args);
// "640x480" -> {640, 480}, within 1..kMaxFrameDimension.
Result<std::pair<int, int>> ParseSize(const std::string& text);

extern const char kRunUsage[];

}  // namespace tabsim

#endif  // TABSIM_MANAGER_RUN_OPTIONS_H_
