#include "manager/run_command.h"

#include <signal.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <chrono>
#include <cstdio>

#include "common/check.h"
#include "manager/event_printer.h"
#include "manager/run_options.h"
#include "manager/summary.h"
#include "manager/tab_executable.h"
#include "manager/tab_host.h"

namespace tabsim {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;

namespace {

// Opens the tabs, waits for a signal or the end of --duration, then shuts
// every tab down in order.
asio::awaitable<void> Serve(TabHost& host, const RunOptions& options,
                            int* exit_code) {
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
  }
  if (*exit_code == 0) {
    asio::steady_timer duration(executor);
    if (options.duration_seconds) {
      duration.expires_after(std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::duration<double>(*options.duration_seconds)));
    } else {
      duration.expires_at(asio::steady_timer::time_point::max());
    }
    auto which = co_await (
        signals.async_wait(asio::as_tuple(asio::use_awaitable)) ||
        duration.async_wait(asio::as_tuple(asio::use_awaitable)));
    if (which.index() == 0) {
      int signal_number = std::get<1>(std::get<0>(which));
      std::fprintf(stderr, "tabsim: %s, shutting down\n",
                   signal_number == SIGINT ? "interrupted" : "terminated");
    }
  }
  co_await host.Shutdown();
}

}  // namespace

int RunCommand(const std::vector<std::string>& args) {
  auto parsed = ParseRunOptions(args);
  if (!parsed.ok()) {
    std::fprintf(stderr, "tabsim run: %s\n", parsed.error().message.c_str());
    return 2;
  }
  RunOptions options = std::move(parsed).value();
  if (options.help) {
    std::fputs(kRunUsage, stdout);
    return 0;
  }
  auto tab_exe = FindTabExecutable(options.tab_executable);
  if (!tab_exe.ok()) {
    std::fprintf(stderr, "tabsim run: %s (set --tab-exe)\n",
                 tab_exe.error().message.c_str());
    return 1;
  }
  ::signal(SIGPIPE, SIG_IGN);

  asio::io_context io(1);  // one thread: no locking inside Asio
  TabHost::Options host_options;
  host_options.tab_executable = *tab_exe;
  host_options.width = options.width;
  host_options.height = options.height;
  TabHost host(io, host_options);
  EventPrinter printer(stdout);
  host.AddObserver(&printer);

  int exit_code = 0;
  auto start = std::chrono::steady_clock::now();
  asio::co_spawn(io, Serve(host, options, &exit_code),
                 [](std::exception_ptr error) {
                   TABSIM_CHECK(!error) << "the serve coroutine threw";
                 });
  io.run();
  double seconds = std::chrono::duration<double>(
                       std::chrono::steady_clock::now() - start)
                       .count();

  std::printf("\n");
  PrintSummaryTable(host.tabs(), stdout);
  if (!options.json_path.empty()) {
    Status written = WriteSummaryJson(options.json_path, host.tabs(), seconds);
    if (!written.ok()) {
      std::fprintf(stderr, "tabsim run: %s\n", written.error().message.c_str());
      if (exit_code == 0) exit_code = 1;
    }
  }
  return exit_code;
}

}  // namespace tabsim
