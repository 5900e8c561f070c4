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
#include "manager/base/cli.h"
#include "manager/record/recording.h"
#include "manager/record/replay_report.h"
#include "manager/record/replayer.h"
#include "manager/core/tab_executable.h"

namespace tabsim {

namespace asio = boost::asio;

namespace {

constexpr char kDescription[] =
    "Replays a recording made with `tabsim run --record DIR`: each recorded "
    "tab process gets a fresh tab on the recorded page and size, which is "
    "fed the recorded inputs, navigations and resizes at the recorded times. "
    "Its frames are compared with the recorded frame hashes, frame by frame "
    "at equal input state (docs/record.md). Pages that depend on the time "
    "(sim://clock, sim://bounce, sim://stamp) do not replay identically, and "
    "replay says so.";

constexpr char kFooter[] =
    "Exit status: 0 every tab reproduced its recording (at least one frame\n"
    "compared, none different, the final frame reached and identical); 1\n"
    "some tab did not; 2 the replay could not start (bad arguments, a\n"
    "recording that does not read, no tab program).\n";

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
  if (r.paced_compared > 0)
    std::fprintf(out, "%llu of %llu paced frames identical to the frame "
                      "recorded for the same BeginFrame; ",
                 static_cast<unsigned long long>(r.paced_identical),
                 static_cast<unsigned long long>(r.paced_compared));
  if (r.paced_not_recorded > 0)
    std::fprintf(out, "%llu drawn where the recorded tab drew nothing "
                      "(no free buffer then); ",
                 static_cast<unsigned long long>(r.paced_not_recorded));
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
  CommandLine cli(kReplayCommand, kDescription);
  cli.SetFooter(kFooter);
  cli.AddOperand({.name = "DIR",
                  .help = "the recording: a directory written by `tabsim run "
                          "--record DIR`"},
                 &options.dir, "directory name", /*required=*/true);
  cli.AddNumber({.name = "--speed", .value_name = "X",
                 .help = "replay at X times the recorded pace; 0: every "
                         "command as fast as the tab's channel takes it, all "
                         "tabs at once"},
                &options.speed,
                {.min = 0.01, .max = 1000, .zero_too = true, .noun = "a factor"});
  cli.AddNumber({.name = "--timeout", .value_name = "SECONDS",
                 .help = "how long to wait for each recorded frame once the "
                         "commands before it are sent"},
                &options.timeout_seconds,
                {.min = 0.1, .max = 3600, .noun = "a number of seconds"});
  cli.AddText({.name = "--json", .value_name = "FILE",
               .help = "also write the per-tab figures as JSON to FILE"},
              &options.json_path, "file name");
  AddTabExecutableOption(cli, &options.tab_executable);
  if (Status parsed = cli.Parse(args); !parsed.ok()) return parsed.error();
  if (cli.help_requested()) options.help = cli.Help();
  return options;
}

int ReplayCommand(const std::vector<std::string>& args) {
  auto parsed = ParseReplayOptions(args);
  if (!parsed.ok()) return ReportUsageError(kReplayCommand, parsed.error());
  ReplayOptions options = std::move(parsed).value();
  if (!options.help.empty()) return PrintHelp(options.help);
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
