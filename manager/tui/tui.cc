#include "manager/tui/tui.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <boost/asio/as_tuple.hpp>
#include <boost/asio/experimental/awaitable_operators.hpp>
#include <boost/asio/use_awaitable.hpp>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <cstdio>
#include <exception>

#include "common/log.h"
#include "manager/base/process_stats.h"
#include "manager/base/units.h"
#include "manager/core/tab_host.h"
#include "manager/core/tab_session.h"
#include "manager/core/task_manager.h"
#include "manager/tui/terminal.h"

namespace tabsim {

namespace asio = boost::asio;
using namespace asio::experimental::awaitable_operators;
constexpr auto kNoThrow = asio::as_tuple(asio::use_awaitable);

namespace {

constexpr uint32_t kHeaderBg = 0x262a3a;
constexpr uint32_t kHeaderFg = 0xe0e4f0;
constexpr uint32_t kBorder = 0x5a6070;
constexpr uint32_t kSelected = 0xffd75f;
constexpr uint32_t kFocused = 0x5fff87;
constexpr uint32_t kSadBg = 0x3c3f4a;
constexpr uint32_t kSadFg = 0xd8dae0;
constexpr uint32_t kRed = 0xff6b6b;
constexpr uint32_t kDim = 0x8a8f9c;
constexpr uint32_t kRowSelectedBg = 0x3a4060;
constexpr uint32_t kStatusBg = 0x1c1f2a;
constexpr int kMinColumns = 40;
constexpr int kMinRows = 12;

std::string Format(const char* format, double value) {
  char text[32];
  std::snprintf(text, sizeof(text), format, value);
  return text;
}

uint32_t Dim(uint32_t color) {
  uint32_t r = ((color >> 16) & 0xFF) * 2 / 5, g = ((color >> 8) & 0xFF) * 2 / 5,
           b = (color & 0xFF) * 2 / 5;
  return (r << 16) | (g << 8) | b;
}

// The average of four samples inside the source block of a target pixel:
// cheap, and much steadier than nearest-neighbour for thin lines and text.
uint32_t SampleBlock(const FrameView& frame, double x0, double y0, double x1,
                     double y1) {
  uint32_t r = 0, g = 0, b = 0;
  for (int sy = 0; sy < 2; ++sy) {
    for (int sx = 0; sx < 2; ++sx) {
      int x = std::clamp(int(x0 + (x1 - x0) * (sx * 2 + 1) / 4), 0,
                         frame.width - 1);
      int y = std::clamp(int(y0 + (y1 - y0) * (sy * 2 + 1) / 4), 0,
                         frame.height - 1);
      uint32_t p = frame.at(x, y);
      r += (p >> 16) & 0xFF;
      g += (p >> 8) & 0xFF;
      b += p & 0xFF;
    }
  }
  return ((r / 4) << 16) | ((g / 4) << 8) | (b / 4);
}

// VisibilityOf; a pin (ctl hide/show) is marked with '*'.
std::string ViewState(const TabHost& host, const TabSession& tab) {
  std::string state = VisibilityOf(host, tab);
  return host.pin_of(tab.id()) != TabHost::Pin::kNone ? state + "*" : state;
}

bool IsSadState(const TabSession& tab) {
  return tab.state() == TabState::kCrashed;
}

}  // namespace

Tui::Tui(asio::any_io_executor executor, TabHost& host, TaskManager& tasks,
         Terminal* terminal, Options options, std::function<void()> on_quit)
    : executor_(executor),
      host_(host),
      tasks_(tasks),
      commands_(host, tasks),
      terminal_(terminal),
      options_(std::move(options)),
      on_quit_(std::move(on_quit)),
      redraw_timer_(executor),
      winch_(executor) {}

Tui::~Tui() { host_.RemoveViewer(this); }

asio::awaitable<void> Tui::Run() {
  if (terminal_ == nullptr) co_return;
  try {
    int fd = ::fcntl(terminal_->in_fd(), F_DUPFD_CLOEXEC, 0);
    if (fd < 0) {
      TABSIM_LOG(kError) << "dup stdin: " << std::strerror(errno);
      co_return;
    }
    input_.emplace(executor_, fd);
    winch_.add(SIGWINCH);
    Redraw();
    co_await (ReadInput() || RedrawLoop() || WatchResize());
  } catch (const std::exception& e) {
    TABSIM_LOG(kError) << "terminal UI: " << e.what();
    if (on_quit_ && !quitting_) {
      quitting_ = true;
      on_quit_();
    }
  }
}

void Tui::Stop() {
  stopped_ = true;
  host_.RemoveViewer(this);
  redraw_timer_.cancel();
  boost::system::error_code ignored;
  winch_.cancel(ignored);
  if (input_) input_->cancel(ignored);
}

asio::awaitable<void> Tui::ReadInput() {
  char buffer[4096];
  while (!stopped_) {
    auto [error] = co_await input_->async_wait(
        asio::posix::descriptor_base::wait_read, kNoThrow);
    if (stopped_ || error == asio::error::operation_aborted) co_return;
    // The fd is blocking, but readable now, so read() returns at once.
    ssize_t n = ::read(input_->native_handle(), buffer, sizeof(buffer));
    if (n < 0 && (errno == EINTR || errno == EAGAIN)) continue;
    if (n <= 0 || error) {
      // The terminal went away (hangup): treat it as q.
      if (!quitting_ && on_quit_) {
        quitting_ = true;
        on_quit_();
      }
      co_return;
    }
    for (const TermEvent& event : parser_.Feed(std::string_view(buffer, size_t(n))))
      HandleEvent(event);
    dirty_ = true;
  }
}

asio::awaitable<void> Tui::RedrawLoop() {
  const auto period = std::chrono::milliseconds(1000 / kMaxFps);
  while (!stopped_) {
    redraw_timer_.expires_after(period);
    co_await redraw_timer_.async_wait(kNoThrow);
    if (stopped_) co_return;
    if (tasks_.generation() != seen_stats_generation_) {
      seen_stats_generation_ = tasks_.generation();
      dirty_ = true;  // new numbers (and any state change without an event)
    }
    if (!message_.empty() && std::chrono::steady_clock::now() > message_until_) {
      message_.clear();
      dirty_ = true;
    }
    if (dirty_) Redraw();
  }
}

asio::awaitable<void> Tui::WatchResize() {
  while (!stopped_) {
    auto [error, signal_number] = co_await winch_.async_wait(kNoThrow);
    (void)signal_number;
    if (stopped_ || error == asio::error::operation_aborted) co_return;
    screen_.Invalidate();
    Redraw();
  }
}

void Tui::Redraw() {
  dirty_ = false;
  if (terminal_ == nullptr) return;
  auto size = terminal_->Size();
  if (!size.ok()) return;
  Draw(size->first, size->second);
  std::string bytes = screen_.Flush();
  if (!bytes.empty()) (void)terminal_->Write(bytes);
}

std::vector<TabSession*> Tui::VisibleTabs() {
  std::vector<TabSession*> visible;
  for (TabSession* tab : host_.tabs())
    if (tab->state() != TabState::kClosed) visible.push_back(tab);
  return visible;
}

TabSession* Tui::Selected() {
  auto tabs = VisibleTabs();
  for (TabSession* tab : tabs)
    if (tab->id() == selected_id_) return tab;
  if (tabs.empty()) return nullptr;
  selected_id_ = tabs.front()->id();
  return tabs.front();
}

void Tui::Select(int index) {
  auto tabs = VisibleTabs();
  if (tabs.empty()) return;
  index = std::clamp(index, 0, int(tabs.size()) - 1);
  selected_id_ = tabs[size_t(index)]->id();
}

void Tui::Say(std::string message) {
  message_ = std::move(message);
  message_until_ = std::chrono::steady_clock::now() + std::chrono::seconds(4);
  dirty_ = true;
}

// ---------------------------------------------------------------- drawing

void Tui::Draw(int columns, int rows) {
  if (columns != screen_.columns() || rows != screen_.rows())
    screen_.Resize(columns, rows);
  screen_.Clear();
  panels_.clear();
  task_rows_.clear();
  if (columns < kMinColumns || rows < kMinRows) {
    screen_.Text(0, 0, "tabsim: terminal too small (need " +
                           std::to_string(kMinColumns) + "x" +
                           std::to_string(kMinRows) + "); q quits",
                 kDefaultColor, kDefaultColor, true, columns);
    return;
  }
  auto tabs = VisibleTabs();
  Selected();  // keeps the selection on a visible tab
  if (focused_id_ != 0) {
    TabSession* focused = host_.Find(focused_id_);
    if (focused == nullptr || !focused->live()) LeaveFocus();
  }
  DrawHeader(tabs);

  const int task_height =
      channel_view_ ? std::min(9, std::max(4, rows / 3))
                    : std::min(int(tabs.size()) + 2, std::max(4, rows / 3));
  const int grid_top = 1;
  const int grid_height = rows - 2 - task_height;
  const int task_top = grid_top + grid_height;

  // The tabs on screen: the focused one alone (the focused-tab view), or
  // the page of the grid holding the selected tab. The others are hidden
  // (manager/core/tab_host.h: this UI is a viewer).
  std::vector<TabSession*> shown = focused_id_ != 0
                                       ? std::vector<TabSession*>{host_.Find(focused_id_)}
                                       : PageOfTabs(tabs, columns, grid_height);
  if (tabs.empty()) {
    screen_.Text(2, grid_top + 1, "no tabs: n opens one, q quits", kDim,
                 kDefaultColor, false, columns - 4);
  } else {
    const std::vector<TabSession*> all = std::move(tabs);
    tabs = shown;
    // Pick the column count that makes the thumbnails largest.
    int frame_w = std::max(1, tabs.front()->width());
    int frame_h = std::max(1, tabs.front()->height());
    int n = int(tabs.size());
    double best_scale = -1;
    int best_columns = 1;
    for (int c = 1; c <= n; ++c) {
      int r = (n + c - 1) / c;
      int inner_w = columns / c - 2, inner_h = grid_height / r - 2;
      if (inner_w < 4 || inner_h < 2) continue;
      double scale =
          std::min(double(inner_w) / frame_w, double(inner_h * 2) / frame_h);
      if (scale > best_scale + 1e-9) {
        best_scale = scale;
        best_columns = c;
      }
    }
    grid_columns_ = best_columns;
    int grid_rows = (n + best_columns - 1) / best_columns;
    int panel_w = columns / best_columns;
    int panel_h = std::max(3, grid_height / grid_rows);
    for (int i = 0; i < n; ++i) {
      Panel panel;
      panel.tab_id = tabs[size_t(i)]->id();
      panel.x = (i % best_columns) * panel_w;
      panel.y = grid_top + (i / best_columns) * panel_h;
      panel.width = panel_w;
      panel.height = panel_h;
      if (panel.y + panel.height > task_top) continue;
      DrawPanel(*tabs[size_t(i)], panel);
      panels_.push_back(panel);
    }
    tabs = all;
  }
  if (channel_view_) {
    task_rows_.clear();
    DrawChannelView(Selected(), task_top, task_height);
  } else {
    DrawTaskManager(tabs, task_top, task_height);
  }
  DrawStatus();
  std::vector<int> on_screen;
  for (const Panel& panel : panels_) on_screen.push_back(panel.tab_id);
  host_.SetViewerTabs(this, std::move(on_screen));
}

std::vector<TabSession*> Tui::PageOfTabs(const std::vector<TabSession*>& tabs,
                                         int columns, int grid_height) {
  // As many as fit at a readable size; the page holds the selected tab.
  const int per_row = std::max(1, columns / kMinPanelColumns);
  const int per_column = std::max(1, grid_height / kMinPanelRows);
  const size_t per_page = size_t(per_row * per_column);
  page_size_ = int(per_page);
  if (tabs.size() <= per_page) {
    page_ = 0;
    pages_ = 1;
    return tabs;
  }
  size_t selected = 0;
  for (size_t i = 0; i < tabs.size(); ++i)
    if (tabs[i]->id() == selected_id_) selected = i;
  page_ = int(selected / per_page);
  pages_ = int((tabs.size() + per_page - 1) / per_page);
  const size_t first = size_t(page_) * per_page;
  return {tabs.begin() + long(first),
          tabs.begin() + long(std::min(tabs.size(), first + per_page))};
}

void Tui::LeaveFocus() {
  if (focused_id_ == 0) return;
  focused_id_ = 0;
  (void)host_.SetFocus(0);
  dirty_ = true;
}

void Tui::DrawHeader(const std::vector<TabSession*>& tabs) {
  const int columns = screen_.columns();
  screen_.Fill(0, 0, columns, 1, kHeaderBg);
  int live = 0, crashed = 0;
  for (TabSession* tab : tabs) {
    if (tab->state() == TabState::kLive) ++live;
    if (tab->state() == TabState::kCrashed) ++crashed;
  }
  records::ManagerStats stats = tasks_.ManagerStats();
  std::string text = " tabsim  " + std::to_string(tabs.size()) + " tabs, " +
                     std::to_string(live) + " live, " +
                     std::to_string(crashed) + " crashed   manager pid " +
                     std::to_string(::getpid()) + "  cpu " +
                     Format("%.1f", stats.cpu_percent()) + "%  mem " +
                     FormatBytes(stats.rss_bytes());
  // Memory pressure, as ctl stats says it (docs/memory.md).
  if (stats.memory_pressure() != "off") {
    text += "  pressure " + stats.memory_pressure();
    if (stats.has_memory_budget_bytes())
      text += " (tabs " + FormatBytes(stats.tabs_memory_bytes()) + "/" +
              FormatBytes(stats.memory_budget_bytes()) + ")";
    if (stats.discards() > 0)
      text += " " + std::to_string(stats.discards()) + " discarded";
  }
  const FrameScheduler* scheduler = host_.scheduler();
  text += scheduler ? "  " + Format("%.0f", scheduler->fps()) + " Hz paced"
                    : std::string("  unpaced");
  if (pages_ > 1)
    text += "  page " + std::to_string(page_ + 1) + "/" + std::to_string(pages_) +
            " (PgUp/PgDn)";
  if (!options_.control_path.empty())
    text += "   ctl: " + options_.control_path;
  screen_.Text(0, 0, text, kHeaderFg, kHeaderBg, true, columns);
}

const Tui::Thumbnail* Tui::UpdateThumbnail(TabSession& tab, int columns,
                                           int rows) {
  Thumbnail& thumb = thumbnails_[tab.id()];
  FrameView frame = tab.latest_frame();
  if (!frame.IsValid())
    return thumb.pixels.empty() || thumb.pid != tab.pid() ? nullptr : &thumb;
  if (thumb.pid == tab.pid() && thumb.sequence == frame.sequence &&
      thumb.columns == columns && thumb.rows == rows &&
      thumb.frame_width == frame.width && thumb.frame_height == frame.height)
    return &thumb;  // nothing new: keep the scaled pixels
  thumb.pid = tab.pid();
  thumb.sequence = frame.sequence;
  thumb.columns = columns;
  thumb.rows = rows;
  thumb.frame_width = frame.width;
  thumb.frame_height = frame.height;
  const int tw = columns, th = rows * 2;
  thumb.pixels.resize(size_t(tw) * th);
  const double fx = double(frame.width) / tw, fy = double(frame.height) / th;
  for (int y = 0; y < th; ++y)
    for (int x = 0; x < tw; ++x)
      thumb.pixels[size_t(y) * tw + x] =
          SampleBlock(frame, x * fx, y * fy, (x + 1) * fx, (y + 1) * fy);
  return &thumb;
}

void Tui::DrawPanel(TabSession& tab, Panel& panel) {
  const bool selected = tab.id() == selected_id_;
  const bool focused = tab.id() == focused_id_;
  const uint32_t border = focused ? kFocused : selected ? kSelected : kBorder;
  const bool bold = selected || focused;
  const int x0 = panel.x, y0 = panel.y, x1 = panel.x + panel.width - 1,
            y1 = panel.y + panel.height - 1;
  for (int x = x0 + 1; x < x1; ++x) {
    screen_.Put(x, y0, U'─', border, kDefaultColor, bold);
    screen_.Put(x, y1, U'─', border, kDefaultColor, bold);
  }
  for (int y = y0 + 1; y < y1; ++y) {
    screen_.Put(x0, y, U'│', border, kDefaultColor, bold);
    screen_.Put(x1, y, U'│', border, kDefaultColor, bold);
  }
  screen_.Put(x0, y0, U'┌', border, kDefaultColor, bold);
  screen_.Put(x1, y0, U'┐', border, kDefaultColor, bold);
  screen_.Put(x0, y1, U'└', border, kDefaultColor, bold);
  screen_.Put(x1, y1, U'┘', border, kDefaultColor, bold);

  TaskManager::TabRates rates = tasks_.RatesOf(tab.id());
  std::string title = " " + std::to_string(tab.id()) + " " + tab.url() +
                      " · pid " + std::to_string(tab.pid()) + " · " +
                      ToString(tab.state());
  if (tab.running()) title += " · " + Format("%.0f", rates.frames_per_second) + " fps";
  if (focused) title += " · FOCUS (Esc leaves)";
  title += " ";
  screen_.Text(x0 + 1, y0, title, focused || selected ? 0x101010 : kHeaderFg,
               border, true, panel.width - 2);

  const int inner_x = x0 + 1, inner_y = y0 + 1;
  const int inner_w = panel.width - 2, inner_h = panel.height - 2;
  if (inner_w <= 0 || inner_h <= 0) return;
  auto centered = [&](int row, const std::string& text, uint32_t fg,
                      uint32_t bg, bool strong) {
    if (row < 0 || row >= inner_h) return;
    int length = int(text.size());  // ASCII here
    int x = inner_x + std::max(0, (inner_w - length) / 2);
    screen_.Text(x, inner_y + row, text, fg, bg, strong, inner_w);
  };

  if (IsSadState(tab)) {
    screen_.Fill(inner_x, inner_y, inner_w, inner_h, kSadBg);
    int top = std::max(0, inner_h / 2 - 3);
    centered(top, ":(", kSadFg, kSadBg, true);
    centered(top + 2, "Aw, snap! Tab " + std::to_string(tab.id()) + " crashed",
             kSadFg, kSadBg, true);
    // The cause, wrapped to the panel.
    std::string cause = tab.cause();
    int row = top + 3;
    while (!cause.empty() && row < inner_h - 1) {
      size_t take = std::min(cause.size(), size_t(std::max(1, inner_w - 2)));
      centered(row++, cause.substr(0, take), kRed, kSadBg, false);
      cause.erase(0, take);
    }
    centered(row + 1, tab.id() == selected_id_ ? "press r to reload"
                                               : "select it, then r to reload",
             kDim, kSadBg, false);
    return;
  }

  // Aspect-preserving thumbnail, centred.
  int frame_w = std::max(1, tab.width()), frame_h = std::max(1, tab.height());
  FrameView latest = tab.latest_frame();
  if (latest.IsValid()) {
    frame_w = latest.width;
    frame_h = latest.height;
  }
  double scale = std::min(double(inner_w) / frame_w, double(inner_h * 2) / frame_h);
  int image_columns = std::clamp(int(std::lround(frame_w * scale)), 1, inner_w);
  int image_rows = std::clamp(int(std::lround(frame_h * scale / 2)), 1, inner_h);
  panel.image_x = inner_x + (inner_w - image_columns) / 2;
  panel.image_y = inner_y + (inner_h - image_rows) / 2;
  panel.image_columns = image_columns;
  panel.image_rows = image_rows;
  panel.frame_width = frame_w;
  panel.frame_height = frame_h;

  const Thumbnail* thumb = UpdateThumbnail(tab, image_columns, image_rows);
  const bool live = tab.state() == TabState::kLive;
  const bool starting = tab.state() == TabState::kStarting;
  const bool closing = tab.state() == TabState::kClosing;
  const bool troubled = !live && !starting && !closing;  // e.g. unresponsive
  if (thumb != nullptr && thumb->columns == image_columns &&
      thumb->rows == image_rows) {
    for (int row = 0; row < image_rows; ++row) {
      for (int column = 0; column < image_columns; ++column) {
        uint32_t top = thumb->pixels[size_t(row * 2) * image_columns + column];
        uint32_t bottom =
            thumb->pixels[size_t(row * 2 + 1) * image_columns + column];
        if (troubled || closing) {
          top = Dim(top);
          bottom = Dim(bottom);
        }
        screen_.Put(panel.image_x + column, panel.image_y + row, U'▀', top,
                    bottom);
      }
    }
  } else {
    screen_.Fill(panel.image_x, panel.image_y, image_columns, image_rows, 0x202020);
  }
  if (starting) centered(inner_h / 2, " starting... ", kSadFg, 0x202020, true);
  if (closing) centered(inner_h / 2, " closing... ", kSadFg, 0x202020, true);
  if (tab.state() == TabState::kDiscarded) {
    // Not a crash: its last frame, dimmed, until it is reloaded.
    centered(inner_h / 2, " discarded ", 0xffffff, 0x305080, true);
    centered(inner_h / 2 + 1, " r or Enter reloads it ", kSadFg, 0x202020, false);
  } else if (troubled) {
    centered(inner_h / 2, std::string(" ") + ToString(tab.state()) + " ",
             0xffffff, 0xb03030, true);
    centered(inner_h / 2 + 1, " k kills it ", kSadFg, 0x202020, false);
  }
}

void Tui::DrawTaskManager(const std::vector<TabSession*>& tabs, int top,
                          int height) {
  const int columns = screen_.columns();
  for (int x = 0; x < columns; ++x)
    screen_.Put(x, top, U'─', kBorder, kDefaultColor);
  screen_.Text(2, top, " Task manager ", kHeaderFg, kDefaultColor, true);
  char line[320];
  std::snprintf(line, sizeof(line),
                " %3s %4s %8s  %-18s %-12s %-8s %6s %8s %6s %6s %6s %5s %9s %3s %4s %3s",
                "id", "proc", "pid", "page", "state", "view", "cpu%", "memory",
                "in/s", "out/s", "fps", "miss", "latency", "ni", "oom", "rst");
  screen_.Text(0, top + 1, line, kDim, kDefaultColor, true, columns);
  int row = top + 2;
  for (TabSession* tab : tabs) {
    if (row >= top + height) break;
    TaskManager::TabRates rates = tasks_.RatesOf(tab->id());
    bool running = tab->running() && rates.pid == tab->pid();
    std::string page = tab->url().size() > 18 ? tab->url().substr(0, 17) + "~"
                                              : tab->url();
    std::string latency = rates.input_latency_ms > 0 && running
                              ? Format("%.1f ms", rates.input_latency_ms)
                              : "-";
    const ProcessHost* process = tab->process();
    const bool prioritised = running && process && process->priority_known();
    std::snprintf(
        line, sizeof(line),
        " %3d %4d %8d  %-18s %-12s %-8s %6s %8s %6s %6s %6s %5s %9s %3s %4s %3d",
        tab->id(), tab->process_id(), int(tab->pid()), page.c_str(),
        ToString(tab->state()), running ? ViewState(host_, *tab).c_str() : "-",
        running && rates.cpu_percent >= 0 ? Format("%.1f", rates.cpu_percent).c_str() : "-",
        running && rates.rss_bytes ? FormatBytes(rates.rss_bytes).c_str() : "-",
        running ? Format("%.0f", rates.messages_in_per_second).c_str() : "-",
        running ? Format("%.0f", rates.messages_out_per_second).c_str() : "-",
        running ? Format("%.1f", rates.frames_per_second).c_str() : "-",
        tab->paced() ? std::to_string(tab->counters().begin_frames_missed).c_str() : "-",
        latency.c_str(),
        prioritised ? std::to_string(process->priority().nice).c_str() : "-",
        prioritised ? std::to_string(process->priority().oom_score_adj).c_str() : "-",
        tab->restarts());
    bool selected = tab->id() == selected_id_;
    uint32_t bg = selected ? kRowSelectedBg : kDefaultColor;
    uint32_t fg = tab->state() == TabState::kCrashed ? kRed : kDefaultColor;
    screen_.Fill(0, row, columns, 1, bg);
    int used = screen_.Text(0, row, line, fg, bg, selected, columns);
    if (!tab->cause().empty() && used + 2 < columns)
      screen_.Text(used + 2, row, tab->cause(), kRed, bg, false,
                   columns - used - 2);
    task_rows_.emplace_back(tab->id(), row);
    ++row;
  }
}

void Tui::DrawChannelView(TabSession* tab, int top, int height) {
  const int columns = screen_.columns();
  for (int x = 0; x < columns; ++x)
    screen_.Put(x, top, U'─', kBorder, kDefaultColor);
  std::string title =
      tab ? " Channel of tab " + std::to_string(tab->id()) + " (i: task manager) "
          : std::string(" Channel (i: task manager) ");
  screen_.Text(2, top, title, kHeaderFg, kDefaultColor, true);
  if (tab == nullptr) {
    screen_.Text(1, top + 1, "no tab selected", kDim, kDefaultColor, false,
                 columns);
    return;
  }
  const records::ChannelStats c = tasks_.DescribeChannel(*tab);
  std::vector<std::string> lines;
  auto direction = [](const char* name, const records::DirectionStats& d) {
    char line[256];
    std::snprintf(line, sizeof(line),
                  " %-9s %7.1f msg/s %10s/s   queued %8s   socket %8s   total %llu",
                  name, d.messages_per_second(),
                  FormatBytes(uint64_t(d.bytes_per_second())).c_str(),
                  FormatBytes(d.queued_bytes()).c_str(),
                  FormatBytes(d.socket_bytes()).c_str(),
                  (unsigned long long)d.messages());
    return std::string(line);
  };
  lines.push_back(direction("to-tab", c.to_tab()));
  lines.push_back(direction("from-tab", c.from_tab()));
  lines.push_back(" frames    " + std::to_string(c.frames_accepted()) +
                  " accepted, " + std::to_string(c.frames_released()) +
                  " released, " + std::to_string(c.buffers_withheld()) +
                  " withheld;  " + std::to_string(c.coalesced_moves()) +
                  " mouse moves coalesced");
  const records::LatencyHistogram& h = c.input_to_frame();
  if (h.count() == 0) {
    lines.push_back(" latency   input -> frame: no input shown yet");
  } else {
    lines.push_back(" latency   input -> frame: " + std::to_string(h.count()) +
                    " inputs, p50 <= " + Format("%.1f", h.p50_ms()) +
                    " ms, p99 <= " + Format("%.1f", h.p99_ms()) + " ms, max " +
                    Format("%.1f", h.max_ms()) + " ms");
    std::string buckets = "          ";
    for (int i = 0; i < h.counts_size(); ++i) {
      if (h.counts(i) == 0) continue;
      buckets += (h.upper_ms(i) > 0 ? " <" + Format("%.0f", h.upper_ms(i))
                                    : " >=" + Format("%.0f", h.upper_ms(i - 1))) +
                 "ms:" + std::to_string(h.counts(i));
    }
    lines.push_back(buckets);
  }
  std::string faults = " faults   ";
  for (const records::Fault& f : c.faults()) {
    if (!f.active()) continue;
    faults += " " + f.kind() + (f.direction().empty() ? "" : " " + f.direction()) +
              " (" + std::to_string(f.injected()) + ")";
  }
  if (faults == " faults   ") faults += " none (tabsim ctl fault ID KIND)";
  lines.push_back(faults);
  for (size_t i = 0; i < lines.size() && int(i) + 1 < height; ++i)
    screen_.Text(0, top + 1 + int(i), lines[i], kDefaultColor, kDefaultColor,
                 false, columns);
}

void Tui::DrawStatus() {
  const int columns = screen_.columns(), row = screen_.rows() - 1;
  screen_.Fill(0, row, columns, 1, kStatusBg);
  std::string text;
  if (prompt_) {
    // The prompt wins over any message; the block is the cursor.
    screen_.Text(0, row, ":" + *prompt_ + "\u2588", kHeaderFg, kStatusBg, true,
                 columns);
    return;
  }
  if (!message_.empty()) {
    text = " " + message_;
  } else if (focused_id_ != 0) {
    text = " FOCUS tab " + std::to_string(focused_id_) +
           ": keys and clicks go to the tab; Esc leaves";
  } else {
    text = " arrows/1-9 select  Enter focus  k kill  c crash  r reload  "
           "n new  w close  i channel  f fault  : command  q quit  "
           "(mouse: click/drag in a tab)";
  }
  screen_.Text(0, row, text, message_.empty() ? kDim : kSelected, kStatusBg,
               !message_.empty(), columns);
}

// ---------------------------------------------------------------- input

void Tui::HandleEvent(const TermEvent& event) {
  dirty_ = true;
  if (prompt_ && event.kind == TermEvent::Kind::kKey) {
    HandlePromptKey(event);
    return;
  }
  if (event.kind == TermEvent::Kind::kMouse) {
    HandleMouse(event);
    return;
  }
  if (focused_id_ != 0) {
    TabSession* tab = host_.Find(focused_id_);
    if (tab != nullptr && tab->live()) {
      HandleFocusedKey(*tab, event);
      return;
    }
    focused_id_ = 0;
  }
  HandleKey(event);
}

CommandResult Tui::Execute(std::vector<std::string> words, bool quiet) {
  CommandResult result = commands_.Execute(words);
  if (!result.ok()) {
    Say(result.status.error().message);
  } else if (!quiet) {
    Say(result.text);
  }
  return result;
}

void Tui::HandlePromptKey(const TermEvent& event) {
  std::string& line = *prompt_;
  switch (event.key) {
    case TermKey::kEscape:
      prompt_.reset();
      return;
    case TermKey::kBackspace:
      // One UTF-8 character: its continuation bytes, then its lead byte.
      while (!line.empty() && (static_cast<unsigned char>(line.back()) & 0xC0) == 0x80)
        line.pop_back();
      if (!line.empty()) line.pop_back();
      return;
    case TermKey::kEnter: {
      std::string typed = std::move(line);
      prompt_.reset();
      if (typed.empty()) return;
      CommandResult result = commands_.ExecuteLine(typed);
      Say(result.ok() ? result.text : result.status.error().message);
      if (result.ok() && typed.rfind("open ", 0) == 0) selected_id_ = result.tab_id;
      return;
    }
    case TermKey::kCharacter:
      if (line.size() + event.text.size() <= kMaxPromptBytes) line += event.text;
      return;
    default:
      return;
  }
}

void Tui::HandleFocusedKey(TabSession& tab, const TermEvent& event) {
  const std::string id = std::to_string(tab.id());
  switch (event.key) {
    case TermKey::kEscape:
      LeaveFocus();
      Say("left tab " + id);
      return;
    case TermKey::kCharacter:
      Execute({"type", id, event.text}, /*quiet=*/true);
      return;
    default:
      break;
  }
  // The other keys by the names the command layer knows (input_builder.h).
  const char* name = nullptr;
  switch (event.key) {
    case TermKey::kEnter: name = "enter"; break;
    case TermKey::kBackspace: name = "backspace"; break;
    case TermKey::kTab: name = "tab"; break;
    case TermKey::kUp: name = "up"; break;
    case TermKey::kDown: name = "down"; break;
    case TermKey::kLeft: name = "left"; break;
    case TermKey::kRight: name = "right"; break;
    case TermKey::kHome: name = "home"; break;
    case TermKey::kEnd: name = "end"; break;
    case TermKey::kDelete: name = "delete"; break;
    default: return;
  }
  Execute({"key", id, name}, /*quiet=*/true);
}

void Tui::HandleFaultKey(const TermEvent& event) {
  const int tab_id = fault_tab_;
  fault_tab_ = 0;
  if (event.key != TermKey::kCharacter || event.text.size() != 1) {
    Say("no fault injected");
    return;
  }
  // Each key is a `fault` command: the messages to the tab at 10% (delay:
  // all of them, 100 ms), or the tab's messages for corrupt, so the
  // bad-message kill shows.
  std::vector<std::string> words = {"fault", std::to_string(tab_id)};
  auto add = [&](std::initializer_list<const char*> rest) {
    words.insert(words.end(), rest.begin(), rest.end());
  };
  switch (event.text[0]) {
    case '0': add({"clear"}); break;
    case 'd': add({"drop", "--direction", "to-tab", "--rate", "0.1"}); break;
    case 'l': add({"delay", "--direction", "to-tab", "--ms", "100"}); break;
    case 'u': add({"duplicate", "--direction", "to-tab", "--rate", "0.1"}); break;
    case 'o': add({"reorder", "--direction", "to-tab", "--rate", "0.1"}); break;
    case 'x': add({"corrupt", "--direction", "from-tab"}); break;
    case 'h': add({"withhold-release", "--rate", "0.1"}); break;
    case 'p': add({"withhold-pong", "--rate", "0.1"}); break;
    default:
      Say("no fault injected");
      return;
  }
  CommandResult result = Execute(std::move(words), /*quiet=*/true);
  if (result.ok()) Say(result.text + " (f 0 clears; i shows counts)");
}

void Tui::HandleKey(const TermEvent& event) {
  if (fault_tab_ != 0) {
    HandleFaultKey(event);
    return;
  }
  auto tabs = VisibleTabs();
  int index = 0;
  for (size_t i = 0; i < tabs.size(); ++i)
    if (tabs[i]->id() == selected_id_) index = int(i);
  TabSession* tab = Selected();
  switch (event.key) {
    case TermKey::kLeft: Select(index - 1); return;
    case TermKey::kRight: Select(index + 1); return;
    case TermKey::kUp: Select(index - grid_columns_); return;
    case TermKey::kDown: Select(index + grid_columns_); return;
    case TermKey::kHome: Select(0); return;
    case TermKey::kEnd: Select(int(tabs.size()) - 1); return;
    case TermKey::kPageUp: Select(index - std::max(1, page_size_)); return;
    case TermKey::kPageDown: Select(index + std::max(1, page_size_)); return;
    case TermKey::kEnter:
      if (tab == nullptr) return;
      if (!tab->live()) {
        Say(DescribeNotLive(*tab) + "; only a live tab takes keys");
        return;
      }
      if (Execute({"focus", std::to_string(tab->id())}, /*quiet=*/true).ok())
        focused_id_ = tab->id();
      return;
    case TermKey::kCharacter: break;
    default: return;
  }
  if (event.text.size() != 1) return;
  const char key = event.text[0];
  if (key >= '1' && key <= '9') {
    Select(key - '1');
    return;
  }
  switch (key) {
    case ':':
      prompt_.emplace();
      return;
    case 'i':
      channel_view_ = !channel_view_;
      dirty_ = true;
      return;
    case 'q':
      if (!quitting_) {
        quitting_ = true;
        Say("shutting down...");
        if (on_quit_) on_quit_();
      }
      return;
    case 'n': {
      const std::string& url =
          options_.new_tab_pages.empty()
              ? std::string("sim://clock")
              : options_.new_tab_pages[pages_opened_++ % options_.new_tab_pages.size()];
      CommandResult opened = Execute({"open", url});
      if (opened.ok()) selected_id_ = opened.tab_id;
      return;
    }
    default: break;
  }
  if (tab == nullptr) {
    if (std::string("kcrfw").find(key) != std::string::npos) Say("no tab selected");
    return;
  }
  const std::string id = std::to_string(tab->id());
  switch (key) {
    case 'k': Execute({"kill", id}); return;
    case 'c': Execute({"crash", id}); return;
    case 'r': Execute({"reload", id}); return;
    case 'w': Execute({"close", id}); return;
    case 'f':
      if (!tab->live()) {
        Say(DescribeNotLive(*tab) + "; faults need a live tab");
        return;
      }
      fault_tab_ = tab->id();
      Say("fault for tab " + id +
          ": d drop · l delay · u duplicate · o reorder · x corrupt · "
          "h withhold-release · p withhold-pong · 0 clear");
      return;
    default:
      return;
  }
}

std::pair<int, int> Tui::ToTabPixels(const Panel& panel, int column,
                                     int row) const {
  double cx = (column - panel.image_x + 0.5) / panel.image_columns;
  double cy = (row - panel.image_y + 0.5) / panel.image_rows;
  return {int(std::floor(cx * panel.frame_width)),
          int(std::floor(cy * panel.frame_height))};
}

void Tui::SendMouse(int tab_id, const char* action, int button, int x, int y) {
  Execute({"mouse", std::to_string(tab_id), action, std::to_string(button),
           std::to_string(x), std::to_string(y)},
          /*quiet=*/true);
}

void Tui::HandleMouse(const TermEvent& event) {
  using Action = TermEvent::MouseAction;
  if (drag_tab_ != 0 && (event.mouse == Action::kDrag || event.mouse == Action::kRelease)) {
    for (const Panel& panel : panels_) {
      if (panel.tab_id != drag_tab_ || panel.image_columns == 0) continue;
      auto [x, y] = ToTabPixels(panel, event.column, event.row);
      SendMouse(drag_tab_, event.mouse == Action::kDrag ? "move" : "up",
                drag_button_, x, y);
    }
    if (event.mouse == Action::kRelease) drag_tab_ = 0;
    return;
  }
  if (event.mouse == Action::kRelease || event.mouse == Action::kMove ||
      event.mouse == Action::kDrag)
    return;
  for (const auto& [tab_id, row] : task_rows_) {
    if (row == event.row && event.mouse == Action::kPress) {
      selected_id_ = tab_id;
      return;
    }
  }
  for (const Panel& panel : panels_) {
    if (event.column < panel.x || event.column >= panel.x + panel.width ||
        event.row < panel.y || event.row >= panel.y + panel.height)
      continue;
    selected_id_ = panel.tab_id;
    bool in_image = panel.image_columns > 0 && event.column >= panel.image_x &&
                    event.column < panel.image_x + panel.image_columns &&
                    event.row >= panel.image_y &&
                    event.row < panel.image_y + panel.image_rows;
    TabSession* tab = host_.Find(panel.tab_id);
    if (!in_image || tab == nullptr || !tab->live()) return;
    auto [x, y] = ToTabPixels(panel, event.column, event.row);
    if (event.mouse == Action::kWheelUp || event.mouse == Action::kWheelDown) {
      Execute({"wheel", std::to_string(panel.tab_id), std::to_string(x),
               std::to_string(y), "0",
               event.mouse == Action::kWheelUp ? "-40" : "40"},
              /*quiet=*/true);
      return;
    }
    drag_tab_ = panel.tab_id;
    drag_button_ = event.button;
    SendMouse(panel.tab_id, "down", event.button, x, y);
    return;
  }
}

// ---------------------------------------------------------------- observer

void Tui::OnTabSpawned(const TabSession&) { dirty_ = true; }
void Tui::OnTabLive(const TabSession&) { dirty_ = true; }
void Tui::OnFrame(const TabSession&, const FrameView&) { dirty_ = true; }
void Tui::OnTitleChanged(const TabSession&) { dirty_ = true; }
void Tui::OnTabLost(const TabSession& tab) {
  if (tab.id() == focused_id_) LeaveFocus();
  if (tab.id() == drag_tab_) drag_tab_ = 0;
  dirty_ = true;
}

}  // namespace tabsim
