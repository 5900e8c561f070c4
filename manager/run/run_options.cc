#include "manager/run/run_options.h"

#include <cerrno>
#include <iterator>
#include <tuple>

#include "common/protocol.h"
#include "manager/base/cli.h"
#include "manager/base/units.h"
#include "manager/commands/command.h"
#include "manager/core/input_builder.h"
#include "manager/core/tab_executable.h"
#include "manager/web/web_address.h"

namespace tabsim {

namespace {

constexpr char kDescription[] =
    "Starts the manager and its tabs, one process per tab, prints a line per "
    "lifecycle event (spawned, live, first frame, lost with its cause) and, "
    "on exit (Ctrl-C, SIGTERM or --duration), a summary table.";

constexpr char kFooter[] =
    "Pages: sim://blank sim://clock sim://bounce sim://paint sim://stamp\n"
    "       sim://frames; hostile: sim://crash[?after=MS] "
    "sim://hang[?after=MS]\n"
    "       sim://abort sim://exit?code=N sim://slow sim://leak sim://flood\n"
    "       sim://fork-bomb sim://escape sim://bad-syscall\n"
    "       "
    "sim://bad-message?kind=oversized-length|garbage|truncated|unknown-type|\n"
    "         "
    "bad-buffer-index|held-buffer|wrong-version|shrink-memfd|grow-memfd\n"
    "       Anything else shows an error page.\n"
    "Try: kill -9 <a tab pid> from another terminal; the others keep "
    "running.\n";

// The tabs without --page, one each.
const char* const kDefaultPages[] = {"sim://clock", "sim://bounce",
                                     "sim://paint"};

Result<UiMode> ParseUi(const std::string& text) {
  if (text == "none") return UiMode::kNone;
  if (text == "tui") return UiMode::kTui;
  if (text == "web") return UiMode::kWeb;
  return Error{
      "--ui: '" + text + "' is not a user interface (have: tui, none, web)",
      EINVAL};
}

// What the tabs are and how they run.
void AddTabOptions(CommandLine& cli, RunOptions* options) {
  cli.AddInteger({.name = "--tabs",
                  .value_name = "N",
                  .help = "number of tabs; checked against this machine's "
                          "limits (fds, processes, memory) before any is "
                          "spawned",
                  .default_text = "one per --page, else " +
                                  std::to_string(std::size(kDefaultPages))},
                 &options->tabs, 1, kMaxTabs);
  cli.AddValue(
      {.name = "--page",
       .value_name = "URL",
       .help = "page for the tabs, repeatable, cycled over the tabs",
       .default_text = std::string(kDefaultPages[0]) + ", " + kDefaultPages[1] +
                       ", " + kDefaultPages[2]},
      [options](const std::string& url) {
        if (Status valid = ValidateUrl(url); !valid.ok())
          return Status(Error{"--page: " + valid.error().message, EINVAL});
        options->pages.push_back(url);
        return Status::Ok();
      },
      /*repeatable=*/true);
  cli.AddValue(
      {.name = "--size",
       .value_name = "WxH",
       .help = "frame size of every tab (width and height each from 1 to " +
               std::to_string(kMaxFrameDimension) + ")",
       .default_text = std::to_string(options->width) + "x" +
                       std::to_string(options->height)},
      [options](const std::string& text) {
        auto size = ParseSize(text);
        if (!size.ok()) return Status(size.error());
        std::tie(options->width, options->height) = *size;
        return Status::Ok();
      });
  cli.AddNumber({.name = "--duration",
                 .value_name = "SECONDS",
                 .help = "stop after this long",
                 .default_text = "run until Ctrl-C"},
                &options->duration_seconds,
                {.min = 0,
                 .max = 365 * 86400.0,
                 .above_min = true,
                 .noun = "a number of seconds"});
  AddTabExecutableOption(cli, &options->tab_executable);
  cli.AddFlag({.name = "--no-tab-namespaces",
               .help = "do not put tab processes in namespaces under "
                       "tabsim-init (a user and a network namespace shared by "
                       "all tabs, a PID and an IPC namespace of their own: the "
                       "default where the kernel allows it; docs/security.md); "
                       "contain them with process groups and a subreaper "
                       "instead"},
              &options->no_tab_namespaces);
  cli.AddFlag({.name = "--no-sandbox",
               .help = "run tabs without their sandbox (unsafe; warns)"},
              &options->no_sandbox);
  cli.AddMemorySize({.name = "--tab-memory-limit",
                     .value_name = "SIZE",
                     .help = "address-space limit of each tab, e.g. 256M",
                     .default_text = "the tab's own"},
                    &options->tab_memory_limit);
  cli.AddInteger({.name = "--prelaunch",
                  .value_name = "N",
                  .help = "keep N spare tab processes spawned, handshaken and "
                          "sandboxed; `ctl open` and the UIs' new tab take one "
                          "and navigate it"},
                 &options->prelaunch, 0, kMaxPrelaunch);
  cli.AddValue({.name = "--process-model",
                .value_name = "MODEL",
                .help = "which process a tab goes to: per-tab, per-site (tabs "
                        "of a site share one) or limit:N (at most N tab "
                        "processes; past it a tab joins the least loaded of its "
                        "site's, else of all); like Chromium's --process-per-tab, "
                        "--process-per-site and --renderer-process-limit",
                .default_text = "per-tab"},
               [options](const std::string& text) {
                 auto model = ProcessModel::Parse(text);
                 if (!model.ok())
                   return Status(Error{"--process-model: " + model.error().message,
                                       EINVAL});
                 options->process_model = *model;
                 return Status::Ok();
               });
  cli.AddNumber({.name = "--fps",
                 .value_name = "HZ",
                 .help = "the display rate: tabs draw only when sent a "
                         "BeginFrame, at most this often; 0: unpaced, every "
                         "tab draws as fast as it can",
                 .default_text = "60"},
                &options->fps,
                {.min = 0, .max = 1000, .noun = "a display rate in Hz"});
  cli.AddInteger({.name = "--hidden",
                  .value_name = "N",
                  .help = "the last N tabs start hidden (pinned; `tabsim ctl "
                          "show ID` shows one)"},
                 &options->hidden, 0, kMaxTabs);
  cli.AddMemorySize({.name = "--memory-budget",
                     .value_name = "SIZE",
                     .help = "a budget for the tabs' total memory (PSS): over "
                             "85% of it is moderate pressure (spares are "
                             "dropped), over it critical (the least important "
                             "tab is discarded; docs/memory.md)",
                     .default_text = "none; only the kernel's signals"},
                    &options->memory_budget);
  cli.AddInteger({.name = "--discard-settle",
                  .value_name = "MS",
                  .help = "after a discard, wait this long before the next"},
                 &options->discard_settle_ms, 0, 3600 * 1000);
  cli.AddFlag({.name = "--no-memory-pressure",
               .help = "do not watch memory pressure (no discards)"},
              &options->no_memory_pressure);
  cli.AddInteger({.name = "--unresponsive-after",
                  .value_name = "MS",
                  .help = "no pong for this long marks a tab unresponsive"},
                 &options->unresponsive_after_ms, 100, 3600 * 1000);
  cli.AddInteger({.name = "--kill-unresponsive-after",
                  .value_name = "MS",
                  .help = "no pong for this long kills the tab; 0: never; "
                          "else longer than --unresponsive-after"},
                 &options->kill_unresponsive_after_ms, 0, 3600 * 1000);
}

// What the user sees and how the run can be driven or kept.
void AddFrontEndOptions(CommandLine& cli, RunOptions* options) {
  cli.AddValue({.name = "--ui",
                .value_name = "tui|none|web",
                .help = "tui: live thumbnails and a task manager; none: one "
                        "line per event; web: a live dashboard in your "
                        "browser (prints its URL) plus the lines",
                .default_text = "tui on a terminal, else none"},
               [options](const std::string& text) {
                 auto ui = ParseUi(text);
                 if (!ui.ok()) return Status(ui.error());
                 options->ui = *ui;
                 return Status::Ok();
               });
  cli.AddText({.name = "--listen",
               .value_name = "ADDR:PORT",
               .help = "where --ui web listens (port 0: a free one); the URL "
                       "carries a random access token"},
              &options->listen, "address", [](const std::string& text) {
                auto address = ParseWebAddress(text);
                return address.ok() ? Status::Ok() : Status(address.error());
              });
  cli.AddText({.name = "--json",
               .value_name = "FILE",
               .help = "also write the summary as JSON to FILE"},
              &options->json_path, "file name");
  cli.AddText({.name = "--control",
               .value_name = "PATH",
               .help = "the control socket for `tabsim ctl`; none: no control "
                       "socket",
               .default_text = "under $XDG_RUNTIME_DIR/tabsim/, else "
                               "/tmp/tabsim-UID/"},
              &options->control_path, "path");
  cli.AddText({.name = "--record",
               .value_name = "DIR",
               .help = "record every tab's input, navigations, resizes and "
                       "frame hashes into DIR (created; must be empty) for "
                       "`tabsim replay DIR` (docs/record.md)"},
              &options->record_dir, "directory name");
  cli.AddText({.name = "--timeline",
               .value_name = "FILE",
               .help = "write the run as Chrome Trace Event Format JSON to "
                       "FILE, for Perfetto's UI or chrome://tracing: tab "
                       "processes, BeginFrames, input flows, counters "
                       "(docs/inspect.md)"},
              &options->timeline_path, "file name");
  cli.AddInteger({.name = "--timeline-max-mb",
                  .value_name = "N",
                  .help = "size cap of --timeline's file in MiB; at the cap "
                          "the timeline stops, leaving a complete file",
                  .default_text = "64"},
                 &options->timeline_max_mb, 1, kMaxTimelineMb);
}

// Options that are fine alone but not together.
Status CheckCombinations(const CommandLine& cli, const RunOptions& options) {
  if (options.kill_unresponsive_after_ms != 0 &&
      options.kill_unresponsive_after_ms <= options.unresponsive_after_ms)
    return Error{
        "--kill-unresponsive-after must be longer than "
        "--unresponsive-after (or 0: never)",
        EINVAL};
  if (cli.Given("--listen") && options.ui != UiMode::kWeb)
    return Error{"--listen is for the web dashboard: add --ui web", EINVAL};
  if (cli.Given("--timeline-max-mb") && options.timeline_path.empty())
    return Error{"--timeline-max-mb is for --timeline: add --timeline FILE",
                 EINVAL};

  return Status::Ok();
}

}  // namespace

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
  CommandLine cli(kRunCommand, kDescription);
  cli.SetFooter(kFooter);
  AddTabOptions(cli, &options);
  AddFrontEndOptions(cli, &options);
  if (Status parsed = cli.Parse(args); !parsed.ok()) return parsed.error();
  if (cli.help_requested()) {
    options.help = cli.Help();
    return options;
  }
  if (Status combined = CheckCombinations(cli, options); !combined.ok())
    return combined.error();
  if (options.pages.empty())
    options.pages.assign(std::begin(kDefaultPages), std::end(kDefaultPages));
  if (options.tabs == 0) options.tabs = int(options.pages.size());
  if (options.hidden > options.tabs)
    return Error{"--hidden: " + std::to_string(options.hidden) +
                     " is more than the " + std::to_string(options.tabs) +
                     " tabs",
                 EINVAL};
  return options;
}

}  // namespace tabsim
