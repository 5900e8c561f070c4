// The terminal UI of `tabsim run`: a grid of live tab thumbnails (truecolor
// half blocks, two pixels per cell), a sad-tab panel for crashed tabs, a
// task-manager pane, and keys and mouse to drive the tabs.
//
// Everything runs on the manager's one loop: Run() is three coroutines
// joined with ||: stdin readiness (an Asio descriptor; raw bytes parsed by
// TerminalInputParser), a redraw timer (at most kMaxFps, and only when
// something changed; the ScreenBuffer diff then sends only changed cells),
// and SIGWINCH. Stop() ends all three.
//
// Keys: arrows and 1-9 select a tab (PageUp/PageDown a page of them when
// they do not all fit); Enter focuses it (the focused-tab view: it alone
// is shown, and keys go to it; Esc leaves); k kills (SIGKILL), c navigates to sim://crash, r
// reloads a gone tab, n opens a tab, w closes one, i toggles the channel
// view (the IPC inspector for the selected tab), f then a letter injects a
// fault into the selected tab (HandleFaultKey()), ':' opens a prompt for
// any command of the command layer ("kill 3", "navigate 2 sim://paint"),
// q quits. Mouse presses, drags and releases inside a thumbnail become
// mouse events in the tab's own pixel coordinates. Every key that acts on
// a tab is a command of the command layer (manager/commands/), so it is
// checked, and answered in the status line, as `tabsim ctl` and the
// dashboard would be.
//
// Governing: the UI is a viewer of the host (TabHost::SetViewerTabs): the
// tabs it draws are shown, the others (another page, or all but the
// focused one) hidden, and Enter gives the host's focus to the tab.
//
// Ownership: borrows the host, the task manager and the Terminal, which
// must outlive it (the Terminal restores the screen when it is destroyed);
// keeps only per-tab thumbnails keyed by tab id. Quitting is asked for
// through `on_quit`; the owner shuts the host down and then calls Stop().
#ifndef TABSIM_MANAGER_TUI_TUI_H_
#define TABSIM_MANAGER_TUI_TUI_H_

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "manager/commands/command_runner.h"
#include "manager/core/tab_observer.h"
#include "manager/tui/screen_buffer.h"
#include "manager/tui/terminal_input.h"
#include "proto/tabsim.pb.h"

namespace tabsim {

class TabHost;
class TabSession;
class TaskManager;
class Terminal;

class Tui : public TabObserver {
 public:
  static constexpr int kMaxFps = 30;

  struct Options {
    std::vector<std::string> new_tab_pages;  // cycled by `n`
    std::string control_path;                // shown in the header
    std::string log_path;                    // where stderr went, if anywhere
  };

  // `terminal` may be null: then nothing is read or written, and Draw()
  // and HandleEvent() can be driven directly (tests).
  Tui(boost::asio::any_io_executor executor, TabHost& host, TaskManager& tasks,
      Terminal* terminal, Options options, std::function<void()> on_quit);
  Tui(const Tui&) = delete;
  Tui& operator=(const Tui&) = delete;
  ~Tui() override;

  // Serves the terminal until Stop() or the terminal goes away. Never throws.
  boost::asio::awaitable<void> Run();
  // What the `timeline` verb starts and stops (command_runner.h); not
  // owned, must outlive this.
  void set_timeline(TimelineSwitch* timeline) { commands_.set_timeline(timeline); }
  void Stop();

  // Lays out and draws one frame into screen() at the given size.
  void Draw(int columns, int rows);
  const ScreenBuffer& screen() const { return screen_; }
  void HandleEvent(const TermEvent& event);
  int selected_id() const { return selected_id_; }
  int focused_id() const { return focused_id_; }

  void OnTabSpawned(const TabSession& tab) override;
  void OnTabLive(const TabSession& tab) override;
  void OnFrame(const TabSession& tab, const FrameView& frame) override;
  void OnTitleChanged(const TabSession& tab) override;
  void OnTabLost(const TabSession& tab) override;

 private:
  struct Panel {
    int tab_id = 0;
    int x = 0, y = 0, width = 0, height = 0;
    // The thumbnail's cells; zero-sized when nothing is drawn.
    int image_x = 0, image_y = 0, image_columns = 0, image_rows = 0;
    int frame_width = 0, frame_height = 0;
  };
  struct Thumbnail {
    pid_t pid = -1;
    uint64_t sequence = 0;
    int columns = 0, rows = 0;  // cells; pixels are columns x 2*rows
    int frame_width = 0, frame_height = 0;
    std::vector<uint32_t> pixels;
  };

  boost::asio::awaitable<void> ReadInput();
  boost::asio::awaitable<void> RedrawLoop();
  boost::asio::awaitable<void> WatchResize();
  void Redraw();

  std::vector<TabSession*> VisibleTabs();
  // The page of `tabs` that fits the grid and holds the selected tab.
  std::vector<TabSession*> PageOfTabs(const std::vector<TabSession*>& tabs,
                                      int columns, int grid_height);
  // Back from the focused-tab view to the grid; the host's focus goes.
  void LeaveFocus();
  TabSession* Selected();
  void Select(int index_in_visible);
  void Say(std::string message);

  void DrawHeader(const std::vector<TabSession*>& tabs);
  void DrawPanel(TabSession& tab, Panel& panel);
  void DrawTaskManager(const std::vector<TabSession*>& tabs, int top,
                       int height);
  void DrawStatus();
  // The IPC inspector for the selected tab, in place of the task manager.
  void DrawChannelView(TabSession* tab, int top, int height);
  const Thumbnail* UpdateThumbnail(TabSession& tab, int columns, int rows);

  void HandleKey(const TermEvent& event);
  // The key after `f`: d drop, l delay, u duplicate, o reorder (each on
  // the manager's messages to the tab), x corrupt (the tab's messages, so
  // the bad-message kill shows), h withhold-release, p withhold-pong, 0
  // clears; anything else cancels.
  void HandleFaultKey(const TermEvent& event);
  void HandleFocusedKey(TabSession& tab, const TermEvent& event);
  // The ':' prompt: characters, Backspace, Enter runs the line, Esc leaves.
  void HandlePromptKey(const TermEvent& event);
  // Runs a command and says its result in the status line (only its error
  // when `quiet`, for input that flows at typing or pointer speed).
  CommandResult Execute(std::vector<std::string> words, bool quiet = false);
  void HandleMouse(const TermEvent& event);
  // Tab pixel coordinates of a cell within `panel`'s thumbnail.
  std::pair<int, int> ToTabPixels(const Panel& panel, int column,
                                  int row) const;
  void SendMouse(int tab_id, const char* action, int button, int x, int y);

  boost::asio::any_io_executor executor_;
  TabHost& host_;
  TaskManager& tasks_;
  CommandRunner commands_;
  Terminal* terminal_;
  Options options_;
  std::function<void()> on_quit_;

  std::optional<boost::asio::posix::stream_descriptor> input_;
  boost::asio::steady_timer redraw_timer_;
  boost::asio::signal_set winch_;
  bool stopped_ = false;
  bool dirty_ = true;
  bool quitting_ = false;
  bool channel_view_ = false;  // `i`: the channel view, not the task manager
  int fault_tab_ = 0;  // after `f`: the tab the next key injects a fault into
  uint64_t seen_stats_generation_ = 0;

  TerminalInputParser parser_;
  ScreenBuffer screen_;
  std::vector<Panel> panels_;
  std::vector<std::pair<int, int>> task_rows_;  // tab id, screen row
  int grid_columns_ = 1;
  // The grid's paging: tabs per page, this page, how many.
  int page_size_ = 0;
  int page_ = 0;
  int pages_ = 1;
  static constexpr int kMinPanelColumns = 20;
  static constexpr int kMinPanelRows = 6;
  std::map<int, Thumbnail> thumbnails_;
  int selected_id_ = 0;
  int focused_id_ = 0;
  int drag_tab_ = 0;
  int drag_button_ = 0;
  size_t pages_opened_ = 0;
  std::string message_;
  // The ':' prompt's line while it is open.
  std::optional<std::string> prompt_;
  static constexpr size_t kMaxPromptBytes = 512;
  std::chrono::steady_clock::time_point message_until_{};
};

}  // namespace tabsim

#endif  // TABSIM_MANAGER_TUI_TUI_H_
