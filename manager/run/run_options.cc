#include "manager/run/run_options.h"

#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>

#include "common/protocol.h"
#include "manager/base/units.h"
#include "manager/core/input_builder.h"
#include "manager/web/web_address.h"

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
    "  --ui tui|none|web  tui: live thumbnails and a task manager (default on a\n"
    "                     terminal); none: one line per event; web: a live\n"
    "                     dashboard in your browser (prints its URL) plus lines\n"
    "  --listen ADDR:PORT where --ui web listens (default 127.0.0.1:0, a free\n"
    "                     port); the URL carries a random access token\n"
    "  --json FILE        also write the summary as JSON to FILE\n"
    "  --tab-exe PATH     the tab program (default: tabsim-tab next to tabsim;\n"
    "                     also TABSIM_TAB_EXE)\n"
    "  --control PATH     the control socket for `tabsim ctl` (default under\n"
    "                     $XDG_RUNTIME_DIR/tabsim/, else /tmp/tabsim-UID/;\n"
    "                     none: no control socket)\n"
    "  --no-sandbox       run tabs without their sandbox (unsafe; warns)\n"
    "  --tab-memory-limit SIZE  address-space limit of each tab: bytes, or\n"
    "                     with K, M or G (e.g. 256M)\n"
    "  --unresponsive-after MS  no pong for this long marks a tab\n"
    "                     unresponsive (default 3000)\n"
    "  --kill-unresponsive-after MS  ...and this long kills it (default\n"
    "                     20000; 0: never)\n"
    "  --record DIR       record every tab's input, navigations, resizes and\n"
    "                     frame hashes into DIR (created; must be empty) for\n"
    "                     `tabsim replay DIR` (docs/record.md)\n"
    "  --prelaunch N      keep N spare tab processes spawned, handshaken and\n"
    "                     sandboxed; `ctl open` and the UIs' new tab take one\n"
    "                     and navigate it (default 0; at most 16)\n"
    "  -h, --help         this text\n"
    "\n"
    "Pages: sim://blank sim://clock sim://bounce sim://paint sim://stamp\n"
    "       sim://frames; hostile: sim://crash[?after=MS] sim://hang[?after=MS]\n"
    "       sim://abort sim://exit?code=N sim://slow sim://leak sim://flood\n"
    "       sim://fork-bomb sim://escape sim://bad-syscall\n"
    "       sim://bad-message?kind=oversized-length|garbage|truncated|unknown-type|\n"
    "         bad-buffer-index|held-buffer|wrong-version|shrink-memfd|grow-memfd\n"
    "       Anything else shows an error page.\n"
    "Try: kill -9 <a tab pid> from another terminal; the others keep running.\n";

std::vector<std::string> RunOptions::ExtraTabArgs() const {
  std::vector<std::string> args;
  if (no_sandbox) args.push_back("--no-sandbox");
  if (tab_memory_limit != 0) {
    args.push_back("--memory-limit");
    args.push_back(std::to_string(tab_memory_limit));
  }
  return args;
}

Result<RunOptions> ParseRunOptions(const std::vector<std::string>& args) {
  RunOptions options;
  bool listen_given = false;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0)
      return Error{"unexpected argument '" + arg + "' (see tabsim run --help)",
                   EINVAL};
    if (arg == "--no-sandbox") {
      options.no_sandbox = true;
      continue;
    }
    if (i + 1 >= args.size())
      return Error{arg + " needs a value (see tabsim run --help)", EINVAL};
    const std::string& value = args[++i];
    if (arg == "--tabs") {
      auto n = ParseInteger(arg, value, 1, kMaxTabs);
      if (!n.ok()) return n.error();
      options.tabs = int(*n);
    } else if (arg == "--page") {
      if (Status valid = ValidateUrl(value); !valid.ok())
        return Error{"--page: " + valid.error().message, EINVAL};
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
      if (value == "none") {
        options.ui = UiMode::kNone;
      } else if (value == "tui") {
        options.ui = UiMode::kTui;
      } else if (value == "web") {
        options.ui = UiMode::kWeb;
      } else {
        return Error{"--ui: '" + value +
                         "' is not a user interface (have: tui, none, web)",
                     EINVAL};
      }
    } else if (arg == "--listen") {
      auto address = ParseWebAddress(value);
      if (!address.ok()) return address.error();
      options.listen = value;
      listen_given = true;
    } else if (arg == "--json") {
      if (value.empty()) return Error{"--json: empty file name", EINVAL};
      options.json_path = value;
    } else if (arg == "--tab-exe") {
      if (value.empty()) return Error{"--tab-exe: empty path", EINVAL};
      options.tab_executable = value;
    } else if (arg == "--control") {
      if (value.empty()) return Error{"--control: empty path", EINVAL};
      options.control_path = value;
    } else if (arg == "--tab-memory-limit") {
      auto bytes = ParseMemorySize(arg, value);
      if (!bytes.ok()) return bytes.error();
      options.tab_memory_limit = *bytes;
    } else if (arg == "--record") {
      if (value.empty()) return Error{"--record: empty directory name", EINVAL};
      options.record_dir = value;
    } else if (arg == "--prelaunch") {
      auto n = ParseInteger(arg, value, 0, kMaxPrelaunch);
      if (!n.ok()) return n.error();
      options.prelaunch = int(*n);
    } else if (arg == "--unresponsive-after") {
      auto ms = ParseInteger(arg, value, 100, 3600 * 1000);
      if (!ms.ok()) return ms.error();
      options.unresponsive_after_ms = int(*ms);
    } else if (arg == "--kill-unresponsive-after") {
      auto ms = ParseInteger(arg, value, 0, 3600 * 1000);
      if (!ms.ok()) return ms.error();
      options.kill_unresponsive_after_ms = int(*ms);
    } else {
      return Error{"unknown option '" + arg + "' (see tabsim run --help)", EINVAL};
    }
  }
  if (options.kill_unresponsive_after_ms != 0 &&
      options.kill_unresponsive_after_ms <= options.unresponsive_after_ms)
    return Error{"--kill-unresponsive-after must be longer than "
                 "--unresponsive-after (or 0: never)",
                 EINVAL};
  if (listen_given && options.ui != UiMode::kWeb)
    return Error{"--listen is for the web dashboard: add --ui web", EINVAL};
  if (options.pages.empty())
    options.pages = {"sim://clock", "sim://bounce", "sim://paint"};
  if (options.tabs == 0) options.tabs = int(options.pages.size());
  return options;
}

}  // namespace tabsim
