#include "manager/bench/bench_tabs.h"

#include <boost/asio/co_spawn.hpp>

#include <chrono>
#include <exception>

#include "manager/core/memory_pressure.h"
#include "manager/core/process_host.h"

namespace tabsim {

namespace asio = boost::asio;

TabHost::Options BenchHostOptions(const std::string& tab_exe, int width,
                                  int height, double fps) {
  TabHost::Options options;
  options.tab_executable = tab_exe;
  options.width = width;
  options.height = height;
  options.fps = fps;
  options.handshake_timeout = std::chrono::milliseconds(30000);
  return options;
}

BenchTabs::BenchTabs(TabHost::Options options)
    : host_(io_, std::move(options)) {
  host_.AddObserver(this);
}

BenchTabs::~BenchTabs() {
  Shutdown();
  host_.RemoveObserver(this);
}

Result<TabSession*> BenchTabs::Open(const std::string& url) {
  return host_.Open(url);
}

Status BenchTabs::OpenMany(const std::string& url, int count,
                           std::vector<int>* ids,
                           const std::function<void(int)>& opened) {
  for (int i = 0; i < count; ++i) {
    auto tab = host_.Open(url);
    if (!tab.ok()) return tab.error();
    ids->push_back((*tab)->id());
    if (i % kOpenBurst == kOpenBurst - 1) io_.poll();
    if (opened) opened(i + 1);
  }
  return Status::Ok();
}

bool BenchTabs::RunUntil(const std::function<bool()>& done,
                         std::chrono::milliseconds timeout) {
  auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    auto now = std::chrono::steady_clock::now();
    if (now >= deadline) return false;
    if (io_.stopped()) io_.restart();
    io_.run_one_for(std::min<std::chrono::steady_clock::duration>(
        deadline - now, std::chrono::milliseconds(50)));
  }
  return true;
}

bool BenchTabs::RunUntilDrawn(const std::vector<int>& ids,
                              std::chrono::milliseconds timeout) {
  // A drawn tab stays drawn (its frame count only grows), so each check
  // resumes at the first tab not yet seen drawn: linear in the tabs, not
  // quadratic, with 10,000 of them.
  size_t next = 0;
  return RunUntil(
      [&] {
        for (; next < ids.size(); ++next) {
          TabSession* tab = Find(ids[next]);
          if (tab == nullptr || tab->counters().frames == 0) return false;
        }
        return true;
      },
      timeout);
}

uint64_t BenchTabs::TabProcessesPssBytes() {
  uint64_t total = 0;
  for (const auto& process : host_.processes()) {
    if (!process->running() || process->pid() <= 0) continue;
    auto bytes = ReadProcessMemory(process->pid());
    if (bytes.ok()) total += *bytes;
  }
  return total;
}

void BenchTabs::Shutdown() {
  if (shut_down_) return;
  shut_down_ = true;
  on_ack = nullptr;
  on_frame = nullptr;
  on_lost = nullptr;
  bool finished = false;
  asio::co_spawn(io_, host_.Shutdown(),
                 [&finished](std::exception_ptr) { finished = true; });
  // Shutdown() ends with SIGKILL after the grace period, so this returns.
  RunUntil([&] { return finished; }, std::chrono::seconds(60));
}

void BenchTabs::OnInputAcked(const TabSession& tab, uint64_t sequence) {
  if (on_ack) on_ack(*host_.Find(tab.id()), sequence);
}

void BenchTabs::OnFrame(const TabSession& tab, const FrameView& frame) {
  if (on_frame) on_frame(*host_.Find(tab.id()), frame);
}

void BenchTabs::OnTabLost(const TabSession& tab) {
  if (on_lost) on_lost(*host_.Find(tab.id()));
}

}  // namespace tabsim
