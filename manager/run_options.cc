#include "manager/run_options.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/protocol.h"

namespace tabsim {

const char kRunUsage[] =
    "usage: tabsim run [options]\n"
    "\n"
    "Starts the manager and its tabs, one process per tab, prints a line per\n"
    "lifecycle event (spawned, live, first frame, lost with its cause) and,\n"
    "on exit (Ctrl-C, SIGTERM or --duration), a summary table.\n"
    "\n"
    "  --tabs N           number of tabs (default: one per --page, else 3)\n"
    "  --page URL         page for the tabs, repeatable, cycled over the tabs\n"
    "                     (default: sim://clock, sim://bounce, sim://paint)\n"
    "  --size WxH         frame size of every tab (default 480x320)\n"
    "  --duration SECONDS stop after this long (default: run until Ctrl-C)\n"
    "  --ui none          the user interface: none prints event lines\n"
    "  --json FILE        also write the summary as JSON to FILE\n"
    "  --tab-exe PATH     the tab program (default: tabsim-tab next to tabsim;\n"
    "                     also TABSIM_TAB_EXE)\n"
    "  -h, --help         this text\n"
    "\n"
    "Pages: sim://blank sim://clock sim://bounce sim://paint sim://crash[?after=MS]\n"
    "       sim://hang[?after=MS] sim://stamp; anything else shows an error page.\n"
    "Try: kill -9 <a tab pid> from another terminal; the others keep running.\n";

namespace {

Result<long> ParseInteger(const std::string& option, const std::string& text,
                          long min, long max) {
  char* end = nullptr;
  errno = 0;
  long value = std::strtol(text.c_str(), &end, 10);
  if (text.empty() || errno != 0 || *end != '\0' || value < min ||
      value > max)
    return Error{option + ": '" + text + "' is not a whole number from " +
                     std::to_string(min) + " to " + std::to_string(max),
                 EINVAL};
  return value;
}

}  // namespace

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

Result<RunOptions> ParseRunOptions(const std::vector<std::string>& args) {
  RunOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0)
      return Error{"unexpected argument '" + arg + "' (see tabsim run --help)",
                   EINVAL};
    if (i + 1 >= args.size())
      return Error{arg + " needs a value (see tabsim run --help)", EINVAL};
    const std::string& value = args[++i];
    if (arg == "--tabs") {
      auto n = ParseInteger(arg, value, 1, kMaxTabs);
      if (!n.ok()) return n.error();
      options.tabs = int(*n);
    } else if (arg == "--page") {
      if (value.empty()) return Error{"--page: empty URL", EINVAL};
      options.pages.push_back(value);
    } else if (arg == "--size") {
      auto size = ParseSize(value);
      if (!size.ok()) return size.error();
      options.width = size->first;
      options.height = size->second;
    } else if (arg == "--duration") {
      char* end = nullptr;
      double seconds = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !std::isfinite(seconds) ||
          seconds <= 0 || seconds > 365 * 86400.0)
        return Error{"--duration: '" + value + "' is not a positive number of seconds",
                     EINVAL};
      options.duration_seconds = seconds;
    } else if (arg == "--ui") {
      if (value != "none")
        return Error{"--ui: '" + value + "' is not a user interface (have: none)",
                     EINVAL};
      options.ui = UiMode::kNone;
    } else if (arg == "--json") {
      if (value.empty()) return Error{"--json: empty file name", EINVAL};
      options.json_path = value;
    } else if (arg == "--tab-exe") {
      if (value.empty()) return Error{"--tab-exe: empty path", EINVAL};
      options.tab_executable = value;
    } else {
      return Error{"unknown option '" + arg + "' (see tabsim run --help)", EINVAL};
    }
  }
  if (options.pages.empty())
    options.pages = {"sim://clock", "sim://bounce", "sim://paint"};
  if (options.tabs == 0) options.tabs = int(options.pages.size());
  return options;
}

}  // namespace tabsim
