#include "manager/record/replay_command.h"

#include <signal.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/io_context.hpp>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <utility>

#include "common/check.h"
#include "common/fd_limit.h"
#include "manager/record/recording.h"
#include "manager/record/replay_report.h"
#include "manager/record/replayer.h"
#include "manager/core/tab_executable.h"

namespace tabsim {

namespace asio = boost::asio;

const char kReplayUsage[] =
    "usage: tabsim replay DIR [options]\n"
    "\n"
    "Replays a recording made with `tabsim run --record DIR`: each recorded\n"
    "tab process gets a fresh tab on the recorded page and size, which is\n"
    "fed the recorded inputs, navigations and resizes at the recorded times.\n"
    "Its frames are compared with the recorded frame hashes, frame by frame\n"
    "at equal input state (docs/record.md). Pages that depend on the time\n"
    "(sim://clock, sim://bounce, sim://stamp) do not replay identically, and\n"
    "replay says so.\n"
    "\n"
    "  --speed X          replay at X times the recorded pace (default 1;\n"
    "                     0.01 to 1000); 0: every command as fast as the\n"
    "                     tab's channel takes it, all tabs at once\n"
    "  --timeout SECONDS  how long to wait for each recorded frame once the\n"
    "                     commands before it are sent (default 10)\n"
    "  --json FILE        also write the per-tab figures as JSON to FILE\n"
    "  --tab-exe PATH     the tab program (default: tabsim-tab next to tabsim;\n"
    "                     also TABSIM_TAB_EXE)\n"
    "  -h, --help         this text\n"
    "\n"
    "Exit status: 0 every tab reproduced its recording (at least one frame\n"
    "compared, none different, the final frame reached and identical); 1\n"
    "some tab did not; 2 the replay could not start (bad arguments, a\n"
    "recording that does not read, no tab program).\n";

namespace {

// A number in [min, max], or 0 when allow_zero; `what` says which for the
// error ("a number of seconds from 0.1 to 3600").
Result<double> ParseNumber(const std::string& name, const std::string& value,
                           double min, double max, bool allow_zero,
                           const std::string& what) {
  char* end = nullptr;
  errno = 0;
  double number = std::strtod(value.c_str(), &end);
  bool ok = !value.empty() && *end == '\0' && errno == 0 &&
            std::isfinite(number) &&
            ((allow_zero && number == 0) || (number >= min && number <= max));
  if (!ok) return Error{name + ": '" + value + "' is not " + what, EINVAL};
  return number;
}

std::string Hash(uint64_t hash) { return std::to_string(hash); }

std::string Label(const TabReplayResult& r) {
  std::string label = "tab " + std::to_string(r.tab_id);
  if (r.restarts > 0) label += " (reload " + std::to_string(r.restarts) + ")";
  return label + " (" + r.url + ")";
}

void PrintResult(const TabReplayResult& r, std::FILE* out) {
  std::fprintf(out, "%s: %llu frames compared, %llu identical, %llu different; ",
               Label(r).c_str(), static_cast<unsigned long long>(r.compared),
               static_cast<unsigned long long>(r.identical),
               static_cast<unsigned long long>(r.different));
  if (!r.has_final) {
    std::fprintf(out, "no frame in the recording\n");
  } else if (!r.final_reached) {
    std::fprintf(out, "final frame never reached (%s)\n",
                 ToString(r.final_key).c_str());
  } else if (r.final_identical) {
    std::fprintf(out, "final frame identical\n");
  } else {
    std::fprintf(out, "final frame DIFFERENT (%s: recorded %s, replayed %s)\n",
                 ToString(r.final_key).c_str(), Hash(r.final_hash).c_str(),
                 Hash(r.final_replayed_hash).c_str());
  }
  for (const FrameDifference& d : r.differences)
    std::fprintf(out, "  different at %s: recorded %s, replayed %s\n",
                 ToString(d.key).c_str(), Hash(d.recorded).c_str(),
                 Hash(d.replayed).c_str());
  if (r.different > r.differences.size())
    std::fprintf(out, "  ... and %llu more\n",
                 static_cast<unsigned long long>(r.different -
                                                 r.differences.size()));
  if (r.without_redraw > 0)
    std::fprintf(out, "  %llu recorded frame%s not redrawn (nothing changed): "
                      "the frame before compared in place\n",
                 static_cast<unsigned long long>(r.without_redraw),
                 r.without_redraw == 1 ? "" : "s");
  if (!r.failure.empty()) std::fprintf(out, "  %s\n", r.failure.c_str());
  if (!r.lost_cause.empty()) {
    std::string recorded = r.recorded_crash ? "was lost too (" + r.recorded_end + ")"
                           : r.recorded_end.empty() ? "has no end"
                                                    : "ended " + r.recorded_end;
    std::fprintf(out, "  lost during replay: %s; the recorded process %s\n",
                 r.lost_cause.c_str(), recorded.c_str());
  } else if (r.recorded_crash) {
    std::fprintf(out, "  note: the recorded process was lost (%s); the "
                      "replayed one was not\n",
                 r.recorded_end.c_str());
  }
}

}  // namespace

Result<ReplayOptions> ParseReplayOptions(const std::vector<std::string>& args) {
  ReplayOptions options;
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg == "-h" || arg == "--help") {
      options.help = true;
      continue;
    }
    if (arg.rfind("--", 0) != 0) {
      if (!options.dir.empty())
        return Error{"unexpected argument '" + arg +
                         "' (one recording directory; see tabsim replay --help)",
                     EINVAL};
      if (arg.empty()) return Error{"empty directory name", EINVAL};
      options.dir = arg;
      continue;
    }
    if (i + 1 >= args.size())
      return Error{arg + " needs a value (see tabsim replay --help)", EINVAL};
    const std::string& value = args[++i];
    if (arg == "--speed") {
      auto speed = ParseNumber(arg, value, 0.01, 1000, true,
                               "0 or a factor from 0.01 to 1000");
      if (!speed.ok()) return speed.error();
      options.speed = *speed;
    } else if (arg == "--timeout") {
      auto seconds = ParseNumber(arg, value, 0.1, 3600, false,
                                 "a number of seconds from 0.1 to 3600");
      if (!seconds.ok()) return seconds.error();
      options.timeout_seconds = *seconds;
    } else if (arg == "--json") {
      if (value.empty()) return Error{"--json: empty file name", EINVAL};
      options.json_path = value;
    } else if (arg == "--tab-exe") {
      if (value.empty()) return Error{"--tab-exe: empty path", EINVAL};
      options.tab_executable = value;
    } else {
      return Error{"unknown option '" + arg + "' (see tabsim replay --help)",
                   EINVAL};
    }
  }
  if (options.dir.empty() && !options.help)
    return Error{"which recording? (usage: tabsim replay DIR [options])",
                 EINVAL};
  return options;
}

int ReplayCommand(const std::vector<std::string>& args) {
  auto parsed = ParseReplayOptions(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "tabsim replay: %s\n", parsed.error().message.c_str());
    return 2;
  }
  ReplayOptions options = std::move(parsed).value();
  if (options.help) {
    std::fputs(kReplayUsage, stdout);
    return 0;
  }
  auto recordings = ReadRecordingDirectory(options.dir);
  if (!recordings.ok()) {
    std::fprintf(stderr, "tabsim replay: %s\n",
                 recordings.error().message.c_str());
    return 2;
  }
  auto tab_exe = FindTabExecutable(options.tab_executable);
  if (!tab_exe.ok()) {
    std::fprintf(stderr, "tabsim replay: %s (set --tab-exe)\n",
                 tab_exe.error().message.c_str());
    return 2;
  }
  for (const TabRecording& recording : *recordings)
    if (!recording.note.empty())
      std::fprintf(stderr, "tabsim replay: %s\n", recording.note.c_str());
  ::signal(SIGPIPE, SIG_IGN);
  RaiseFdLimit();  // up to kMaxRecordFiles tabs at once

  std::printf("replay: %zu recording%s from %s, speed %g\n",
              recordings->size(), recordings->size() == 1 ? "" : "s",
              options.dir.c_str(), options.speed);
  std::fflush(stdout);
  asio::io_context io(1);
  ReplaySettings settings;
  settings.tab_executable = *tab_exe;
  settings.speed = options.speed;
  settings.timeout = std::chrono::milliseconds(
      static_cast<long long>(options.timeout_seconds * 1000));
  settings.progress = stdout;
  Replayer replayer(io, settings, std::move(recordings).value());
  asio::co_spawn(io, replayer.Run(), [](std::exception_ptr error) {
    TABSIM_CHECK(!error) << "the replay coroutine threw";
  });
  io.run();

  std::printf("\n");
  const std::vector<TabReplayResult>& results = replayer.results();
  std::vector<const TabReplayResult*> by_tab;
  for (const TabReplayResult& r : results) by_tab.push_back(&r);
  std::stable_sort(by_tab.begin(), by_tab.end(),
                   [](const TabReplayResult* a, const TabReplayResult* b) {
                     return std::pair(a->tab_id, a->restarts) <
                            std::pair(b->tab_id, b->restarts);
                   });
  std::vector<std::string> failed;
  for (const TabReplayResult* r : by_tab) {
    PrintResult(*r, stdout);
    if (!r->Passed()) failed.push_back(Label(*r));
  }
  const bool passed = failed.empty();
  if (passed) {
    std::printf("replay: identical: all %zu tab%s reproduced the recording\n",
                results.size(), results.size() == 1 ? "" : "s");
  } else {
    std::string names;
    for (const std::string& name : failed)
      names += (names.empty() ? "" : ", ") + name;
    std::printf("replay: DIFFERENT: %zu of %zu tab%s did not reproduce the "
                "recording: %s\n",
                failed.size(), results.size(), results.size() == 1 ? "" : "s",
                names.c_str());
  }
  int exit_code = passed ? 0 : 1;
  if (!options.json_path.empty()) {
    Status written = WriteReplayReport(options.json_path, options.dir,
                                       options.speed, results, passed);
    if (!written.ok()) {
      std::fprintf(stderr, "tabsim replay: %s\n",
                   written.error().message.c_str());
      exit_code = 1;
    }
  }
  return exit_code;
}

}  // namespace tabsim
