#include "manager/run/run_command.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdio>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "common/check.h"
#include "common/fd_limit.h"
#include "common/namespaces.h"
#include "common/protocol.h"
#include "manager/base/cli.h"
#include "manager/control/control_path.h"
#include "manager/control/control_server.h"
#include "manager/run/event_printer.h"
#include "manager/record/recorder.h"
#include "manager/run/run_options.h"
#include "manager/commands/summary.h"
#include "manager/core/containment.h"
#include "manager/core/process_host.h"
#include "manager/core/process_model.h"
#include "manager/core/tab_capacity.h"
#include "manager/core/tab_executable.h"
#include "manager/core/tab_host.h"
#include "manager/core/task_manager.h"
#include "manager/tui/terminal.h"
#include "manager/timeline/timeline_controller.h"
#include "manager/tui/tui.h"
#include "manager/web/web_server.h"

namespace tabsim {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

// Tabs opened between two turns of the loop while --tabs are opened.
constexpr int kOpenBurst = 16;

// Opens the tabs, waits for a signal, the end of --duration or a quit from
// the UI (`quit` cancelled), then shuts every tab down in order and calls
// `done` so the front ends stop too.
asio::awaitable<void> Serve(TabHost& host, const RunOptions& options,
                            asio::steady_timer& quit, int* exit_code,
                            std::function<void()> done) {
  auto executor = co_await asio::this_coro::executor;
  asio::signal_set signals(executor, SIGINT, SIGTERM);
  for (int i = 0; i < options.tabs; ++i) {
    const std::string& url = options.pages[size_t(i) % options.pages.size()];
    auto tab = host.Open(url);
    if (!tab.ok()) {
      std::fprintf(stderr, "tabsim: %s\n", tab.error().message.c_str());
      *exit_code = 1;
      break;
    }
    // --hidden N: the last N start hidden, as background tabs would.
    if (i >= options.tabs - options.hidden)
      (void)host.SetPin((*tab)->id(), TabHost::Pin::kHidden);
    // Thousands of tabs take seconds to spawn: let the ones already
    // spawned handshake and draw (and the front ends show them) meanwhile.
    if (i % kOpenBurst == kOpenBurst - 1)
      co_await asio::post(executor, asio::use_awaitable);
  }
  if (*exit_code == 0) host.StartSpares();
  if (*exit_code == 0) {
    asio::steady_timer duration(executor);
    if (options.duration_seconds) {
      duration.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::duration<double>(*options.duration_seconds)));
    } else {
      duration.expires_at(asio::steady_timer::time_point::max());
    }
    auto which = co_await (signals.async_wait(kNoThrow) ||
                           duration.async_wait(kNoThrow) ||
                           quit.async_wait(kNoThrow));
    if (which.index() == 0) {
      int signal_number = std::get<1>(std::get<0>(which));
      std::fprintf(stderr, "tabsim: %s, shutting down\n",
                   signal_number == SIGINT ? "interrupted" : "terminated");
    }
  }
  co_await host.Shutdown();
  done();
}

// Refreshes the task manager's rates once a second until `stop` is set.
asio::awaitable<void> SampleLoop(TaskManager& tasks, asio::steady_timer& timer,
                                 const bool& stop) {
  while (!stop) {
    timer.expires_after(std::chrono::seconds(1));
    co_await timer.async_wait(kNoThrow);
    if (stop) break;
    tasks.Sample(std::chrono::steady_clock::now());
  }
}

// While the TUI owns the terminal, stderr (ours and every tab's, which
// inherit it) goes to a log file so it cannot scribble over the screen.
class StderrRedirect {
 public:
  StderrRedirect() {
    std::string dir = DefaultControlDirectory();
    if (EnsurePrivateDirectory(dir).ok())
      path_ = dir + "/manager-" + std::to_string(::getpid()) + ".log";
    UniqueFd file(::open(path_.empty() ? "/dev/null" : path_.c_str(),
                         O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600));
    if (!file.IsValid()) return;
    saved_ = UniqueFd(::fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0));
    if (saved_.IsValid()) ::dup2(file.get(), STDERR_FILENO);
  }
  ~StderrRedirect() {
    if (!saved_.IsValid()) return;
    ::dup2(saved_.get(), STDERR_FILENO);
    if (path_.empty()) return;
    struct stat info {};
    if (::stat(path_.c_str(), &info) == 0 && info.st_size > 0) {
      std::fprintf(stderr, "tabsim: log messages of this run are in %s\n",
                   path_.c_str());
    } else {
      ::unlink(path_.c_str());
    }
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
  UniqueFd saved_;
};

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  auto parsed = ParseRunOptions(args);
  if (!parsed.ok()) return ReportUsageError(kRunCommand, parsed.error());
  RunOptions options = std::move(parsed).value();
  if (!options.help.empty()) return PrintHelp(options.help);
  if (options.ui == UiMode::kAuto)
    options.ui = ::isatty(STDIN_FILENO) && ::isatty(STDOUT_FILENO)
                     ? UiMode::kTui
                     : UiMode::kNone;
  auto tab_exe = FindTabExecutable(options.tab_executable);
  if (!tab_exe.ok()) {
    std::fprintf(stderr, "tabsim run: %s (set --tab-exe)\n",
                 tab_exe.error().message.c_str());
    return 1;
  }
  if (options.no_tab_namespaces) DeclineTabNamespaces();
  if (options.no_sandbox)
    std::fprintf(stderr,
                 "tabsim run: WARNING: --no-sandbox: tabs run WITHOUT their "
                 "sandbox; a hostile page can do anything you can\n");
  ::signal(SIGPIPE, SIG_IGN);
  // Every running tab costs a few fds; a hard limit far above the soft one
  // (Debian: 1,024 soft, 524,288 hard) is there to be used.
  RaiseFdLimit();
  // Say which limit a large --tabs would hit before spawning any of them:
  // the tabs in the processes their model gives them, and the spares, a
  // process each.
  std::vector<std::string> urls;
  urls.reserve(size_t(options.tabs));
  for (int i = 0; i < options.tabs; ++i)
    urls.push_back(options.pages[size_t(i) % options.pages.size()]);
  if (Status fits = MakeRoomForTabs(
          DecideContainment().namespaces,
          long(options.tabs) + options.prelaunch,
          ProcessesFor(options.process_model, urls, kMaxViewsPerProcess) +
              options.prelaunch,
          RegionBytes(options.width, options.height));
      !fits.ok()) {
    std::fprintf(stderr, "tabsim run: --tabs: %s\n",
                 fits.error().message.c_str());
    return 2;
  }

  // --record: created before the host, which calls it, and outlives it.
  std::unique_ptr<Recorder> recorder;
  if (!options.record_dir.empty()) {
    auto created = Recorder::Create(options.record_dir);
    if (!created.ok()) {
      std::fprintf(stderr, "tabsim run: --record: %s\n",
                   created.error().message.c_str());
      return 2;
    }
    recorder = std::move(created).value();
  }

  asio::io_context io(1);  // one thread: no locking inside Asio
  TabHost::Options host_options;
  host_options.tab_executable = *tab_exe;
  host_options.width = options.width;
  host_options.height = options.height;
  host_options.extra_tab_args = options.ExtraTabArgs();
  host_options.unresponsive_after =
      std::chrono::milliseconds(options.unresponsive_after_ms);
  host_options.kill_after =
      std::chrono::milliseconds(options.kill_unresponsive_after_ms);
  host_options.prelaunch = options.prelaunch;
  host_options.process_model = options.process_model;
  host_options.fps = options.fps;
  host_options.memory_pressure = !options.no_memory_pressure;
  host_options.memory_budget = options.memory_budget;
  host_options.discard_settle =
      std::chrono::milliseconds(options.discard_settle_ms);
  host_options.recorder = recorder.get();
  TabHost host(io, host_options);
  TaskManager tasks(host);
  host.AddObserver(&tasks);
  if (recorder) host.AddObserver(recorder.get());

  // The timeline (--timeline, or `timeline start` from a front end). It
  // borrows the host; the front ends borrow it.
  TimelineController timeline(io.get_executor(), host,
                              [](const std::string& line) {
                                std::fprintf(stderr, "tabsim: %s\n", line.c_str());
                              });
  if (!options.timeline_path.empty()) {
    auto started = timeline.StartTimeline(
        options.timeline_path, uint64_t(options.timeline_max_mb) << 20);
    if (!started.ok()) {
      std::fprintf(stderr, "tabsim run: --%s\n", started.error().message.c_str());
      return 1;
    }
  }

  // The control socket. An explicit --control path that is taken is an
  // error; the default one being taken (another manager of ours running)
  // only costs this run its socket.
  std::unique_ptr<ControlServer> control;
  if (options.control_path != "none") {
    bool is_default = options.control_path.empty();
    std::string path = is_default ? DefaultControlPath() : options.control_path;
    auto listening = ListenControlSocket(path, is_default);
    if (!listening.ok()) {
      if (!is_default) {
        std::fprintf(stderr, "tabsim run: %s\n",
                     listening.error().message.c_str());
        return 1;
      }
      std::fprintf(stderr, "tabsim run: no control socket: %s\n",
                   listening.error().message.c_str());
    } else {
      control = std::make_unique<ControlServer>(
          io.get_executor(), host, tasks, std::move(listening).value(), path);
      host.AddObserver(control.get());
      control->set_timeline(&timeline);
    }
  }

  std::unique_ptr<Terminal> terminal;
  std::optional<StderrRedirect> redirect;
  std::unique_ptr<Tui> tui;
  std::optional<EventPrinter> printer;
  asio::steady_timer quit(io, asio::steady_timer::time_point::max());
  if (options.ui == UiMode::kTui) {
    auto opened = Terminal::Open(STDIN_FILENO, STDOUT_FILENO);
    if (!opened.ok()) {
      std::fprintf(stderr, "tabsim run: %s\n", opened.error().message.c_str());
      return 1;
    }
    terminal = std::move(opened).value();
    redirect.emplace();
    Tui::Options tui_options;
    tui_options.new_tab_pages = options.pages;
    tui_options.control_path = control ? control->path() : "";
    tui_options.log_path = redirect->path();
    tui = std::make_unique<Tui>(io.get_executor(), host, tasks, terminal.get(),
                                tui_options, [&quit] { quit.cancel(); });
    host.AddObserver(tui.get());
    tui->set_timeline(&timeline);
  } else {
    printer.emplace(stdout);
    host.AddObserver(&*printer);
  }

  // The web dashboard (--ui web, docs/web.md): served from this same loop,
  // next to the event lines.
  std::unique_ptr<WebServer> web;
  if (options.ui == UiMode::kWeb) {
    auto address = ParseWebAddress(options.listen);
    auto token = WebToken::Generate();
    if (!address.ok() || !token.ok()) {
      std::fprintf(stderr, "tabsim run: %s\n",
                   (address.ok() ? token.error() : address.error()).message.c_str());
      return 1;
    }
    auto listening = WebServer::Listen(io.get_executor(), host, tasks, *address,
                                       std::move(token).value());
    if (!listening.ok()) {
      std::fprintf(stderr, "tabsim run: %s\n", listening.error().message.c_str());
      return 1;
    }
    web = std::move(listening).value();
    host.AddObserver(web.get());
    web->set_timeline(&timeline);
    if (!address->IsLoopback())
      std::fprintf(stderr,
                   "tabsim run: WARNING: the dashboard listens on %s, beyond "
                   "this machine; anyone with its URL can drive the tabs\n",
                   options.listen.c_str());
    std::printf("dashboard: %s\n", web->Url().c_str());
    std::fflush(stdout);
  }

  bool stopping = false;
  asio::steady_timer sample_timer(io);
  // The timeline's last line, printed after the summary.
  std::optional<Result<std::string>> timeline_end;
  auto done = [&] {
    stopping = true;
    // After the host's shutdown, so the tabs' ends are in the file; a
    // SIGINT or SIGTERM comes here too, and the file ends complete.
    timeline_end = timeline.Shutdown("the run ended");
    sample_timer.cancel();
    if (tui) tui->Stop();
    if (control) control->Stop();
    if (web) web->Stop();
  };

  int exit_code = 0;
  auto start = std::chrono::steady_clock::now();
  auto must_not_throw = [](std::exception_ptr error) {
    TABSIM_CHECK(!error) << "a manager coroutine threw";
  };
  asio::co_spawn(io, Serve(host, options, quit, &exit_code, done),
                 must_not_throw);
  asio::co_spawn(io, SampleLoop(tasks, sample_timer, stopping), must_not_throw);
  if (control) asio::co_spawn(io, control->Run(), must_not_throw);
  if (tui) asio::co_spawn(io, tui->Run(), must_not_throw);
  if (web) asio::co_spawn(io, web->Run(), must_not_throw);
  io.run();
  if (web) host.RemoveObserver(web.get());
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();
  // Screen back first, then the end-of-run output on the normal screen.
  if (tui) host.RemoveObserver(tui.get());
  tui.reset();
  if (terminal) terminal->Restore();
  redirect.reset();

  std::printf("\n");
  const records::TabList summary = tasks.List();
  PrintSummaryTable(summary, stdout);
  if (!options.json_path.empty()) {
    Status written = WriteSummaryJson(options.json_path, summary, seconds);
    if (!written.ok()) {
      std::fprintf(stderr, "tabsim run: %s\n", written.error().message.c_str());
      if (exit_code == 0) exit_code = 1;
    }
  }
  if (timeline_end && !timeline_end->ok()) {
    std::fprintf(stderr, "tabsim run: %s\n", timeline_end->error().message.c_str());
    if (exit_code == 0) exit_code = 1;
  } else if (timeline_end && !(*timeline_end)->empty()) {
    std::printf("%s\n", (*timeline_end)->c_str());
  }
  if (recorder) {
    recorder->CloseAll();
    size_t files = recorder->files(), tabs = recorder->tabs();
    std::string counts = std::to_string(tabs) + (tabs == 1 ? " tab" : " tabs");
    if (files != tabs) counts += ", " + std::to_string(files) + " files";
    if (!recorder->ok()) {
      counts += "; INCOMPLETE: see the error above";
      if (exit_code == 0) exit_code = 1;
    }
    std::printf("recording: %s (%s)\n", options.record_dir.c_str(),
                counts.c_str());
  }
  return exit_code;
}

}  // namespace tabsim
