#include "manager/commands/command_runner.h"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>

#include "common/check.h"
#include "common/log.h"
#include "common/wait_status.h"
#include "manager/core/input_builder.h"
#include "manager/core/tab_host.h"
#include "manager/core/tab_session.h"
#include "manager/core/task_manager.h"

namespace tabsim {
namespace {

CommandResult Failed(Error error) { return CommandResult{Status(std::move(error)), 0, {}}; }
CommandResult Done(int tab_id, std::string text) {
  return CommandResult{Status::Ok(), tab_id, std::move(text)};
}
std::string Name(int id) { return "tab " + std::to_string(id); }

// "opened: pid 1234, sim://clock, starting".
std::string Spawned(const TabSession& tab, const char* verb) {
  return Name(tab.id()) + " " + verb + ": pid " + std::to_string(tab.pid()) +
         ", " + tab.url() + ", " + ToString(tab.state());
}

// The nearest point of `tab`'s frame to (x, y).
std::pair<int, int> ClampToFrame(const TabSession& tab, int x, int y) {
  return {std::clamp(x, 0, tab.width() - 1), std::clamp(y, 0, tab.height() - 1)};
}

}  // namespace

std::string DescribeNotLive(const TabSession& tab) {
  std::string text = Name(tab.id()) + " is " + ToString(tab.state());
  if (!tab.cause().empty()) text += ": " + tab.cause();
  return text;
}

CommandRunner::CommandRunner(TabHost& host, TaskManager& tasks)
    : host_(host), tasks_(tasks) {}

CommandResult CommandRunner::Execute(const std::vector<std::string>& words) {
  auto command = ParseCommand(words);
  if (!command.ok()) return Failed(command.error());
  return Run(*command);
}

CommandResult CommandRunner::ExecuteLine(std::string_view line) {
  auto words = SplitCommandLine(line);
  if (!words.ok()) return Failed(words.error());
  return Execute(*words);
}

Result<TabSession*> CommandRunner::FindTab(int id) {
  TabSession* tab = host_.Find(id);
  if (tab == nullptr) return Error{"no tab " + std::to_string(id), ENOENT};
  return tab;
}

Result<TabSession*> CommandRunner::LiveTab(int id) {
  auto tab = FindTab(id);
  if (!tab.ok()) return tab;
  if (!(*tab)->live()) return Error{DescribeNotLive(**tab), ESRCH};
  return tab;
}

CommandResult CommandRunner::Run(const Command& c) {
  using Verb = CommandResult (CommandRunner::*)(const Command&);
  // Each verb of CommandTable() and the member that runs it.
  static const std::map<std::string_view, Verb> kRunners = {
      {"open", &CommandRunner::Open},     {"close", &CommandRunner::Close},
      {"kill", &CommandRunner::Kill},     {"crash", &CommandRunner::Crash},
      {"navigate", &CommandRunner::Navigate},
      {"reload", &CommandRunner::Reload}, {"resize", &CommandRunner::Resize},
      {"hide", &CommandRunner::Hide},     {"show", &CommandRunner::Show},
      {"unpin", &CommandRunner::Unpin},   {"focus", &CommandRunner::Focus},
      {"discard", &CommandRunner::Discard},
      {"protect", &CommandRunner::Protect},
      {"unprotect", &CommandRunner::Unprotect},
      {"forget", &CommandRunner::Forget},
      {"click", &CommandRunner::Click},   {"mouse", &CommandRunner::Mouse},
      {"wheel", &CommandRunner::Wheel},   {"key", &CommandRunner::Key},
      {"type", &CommandRunner::Type},     {"fault", &CommandRunner::Fault},
      {"timeline", &CommandRunner::Timeline},
  };
  auto runner = kRunners.find(c.spec->name);
  TABSIM_CHECK(runner != kRunners.end())
      << "command '" << c.spec->name << "' has no runner";
  CommandResult result = (this->*runner->second)(c);
  TABSIM_LOG(kDebug) << "command " << c.spec->name << ": "
                     << (result.ok() ? result.text
                                     : result.status.error().message);
  return result;
}

CommandResult CommandRunner::Open(const Command& c) {
  auto opened = host_.Open(c.url);
  if (!opened.ok()) return Failed(opened.error());
  return Done((*opened)->id(), Spawned(**opened, "opened"));
}

CommandResult CommandRunner::Close(const Command& c) {
  auto tab = FindTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  if (!(*tab)->running() || (*tab)->state() == TabState::kClosing)
    return Failed(Error{DescribeNotLive(**tab), ESRCH});
  (*tab)->Close();
  return Done(c.tab_id, Name(c.tab_id) + ": closing");
}

CommandResult CommandRunner::Kill(const Command& c) {
  auto tab = FindTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  if (!(*tab)->running()) return Failed(Error{DescribeNotLive(**tab), ESRCH});
  if (Status killed = (*tab)->Kill(c.signal); !killed.ok())
    return Failed(killed.error());
  return Done(c.tab_id, Name(c.tab_id) + ": sent " + SignalName(c.signal) +
                            " to pid " + std::to_string((*tab)->pid()));
}

CommandResult CommandRunner::Crash(const Command& c) {
  return NavigateTo(c.tab_id, "sim://crash");
}

CommandResult CommandRunner::Navigate(const Command& c) {
  return NavigateTo(c.tab_id, c.url);
}

CommandResult CommandRunner::NavigateTo(int id, const std::string& url) {
  auto tab = LiveTab(id);
  if (!tab.ok()) return Failed(tab.error());
  if (Status sent = (*tab)->Navigate(url); !sent.ok()) return Failed(sent.error());
  return Done(id, Name(id) + ": navigating to " + url);
}

CommandResult CommandRunner::Reload(const Command& c) {
  auto tab = FindTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  if (!(*tab)->finished())
    return Failed(Error{Name(c.tab_id) + " is still running (" +
                            ToString((*tab)->state()) +
                            "); only a gone tab can be reloaded",
                        EBUSY});
  auto reloaded = host_.Reload(c.tab_id);
  if (!reloaded.ok()) return Failed(reloaded.error());
  return Done(c.tab_id, Spawned(**reloaded, "reloaded"));
}

CommandResult CommandRunner::Pin(const Command& c, TabHost::Pin pin) {
  auto tab = FindTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  if (!(*tab)->running()) return Failed(Error{DescribeNotLive(**tab), ESRCH});
  if (Status pinned = host_.SetPin(c.tab_id, pin); !pinned.ok())
    return Failed(pinned.error());
  const char* what = pin == TabHost::Pin::kHidden  ? "hidden (pinned)"
                     : pin == TabHost::Pin::kShown ? "shown (pinned)"
                                                   : "unpinned: shown as the "
                                                     "front ends show it";
  return Done(c.tab_id, Name(c.tab_id) + ": " + what);
}

CommandResult CommandRunner::Hide(const Command& c) {
  return Pin(c, TabHost::Pin::kHidden);
}
CommandResult CommandRunner::Show(const Command& c) {
  return Pin(c, TabHost::Pin::kShown);
}
CommandResult CommandRunner::Unpin(const Command& c) {
  return Pin(c, TabHost::Pin::kNone);
}

CommandResult CommandRunner::Focus(const Command& c) {
  auto tab = FindTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  // A discarded tab comes back when focused (TabHost::SetFocus reloads it).
  const bool discarded = (*tab)->state() == TabState::kDiscarded;
  if (!discarded && !(*tab)->live())
    return Failed(Error{DescribeNotLive(**tab), ESRCH});
  if (Status focused = host_.SetFocus(c.tab_id); !focused.ok())
    return Failed(focused.error());
  return Done(c.tab_id, Name(c.tab_id) + (discarded ? ": reloaded and focused"
                                                    : ": focused"));
}

CommandResult CommandRunner::Discard(const Command& c) {
  auto tab = FindTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  if (!(*tab)->running()) return Failed(Error{DescribeNotLive(**tab), ESRCH});
  const pid_t pid = (*tab)->pid();
  if (Status done = host_.Discard(c.tab_id, "asked (discard " +
                                                std::to_string(c.tab_id) + ")");
      !done.ok())
    return Failed(done.error());
  return Done(c.tab_id, Name(c.tab_id) + ": discarding (pid " +
                            std::to_string(pid) + " ends; reload brings it back)");
}

CommandResult CommandRunner::Protect(const Command& c) {
  if (Status done = host_.SetProtected(c.tab_id, true); !done.ok())
    return Failed(done.error());
  return Done(c.tab_id, Name(c.tab_id) + ": protected from discarding");
}

CommandResult CommandRunner::Unprotect(const Command& c) {
  if (Status done = host_.SetProtected(c.tab_id, false); !done.ok())
    return Failed(done.error());
  return Done(c.tab_id, Name(c.tab_id) + ": may be discarded again");
}

CommandResult CommandRunner::Forget(const Command& c) {
  // TabHost::Forget's errors already say it: "no tab 9", "tab 3 is still
  // live; only a gone tab is forgotten".
  auto dropped = host_.Forget(c.tab_id);
  if (!dropped.ok()) return Failed(dropped.error());
  // The record is gone: no tab to describe (tab_id 0).
  if (c.tab_id != 0) return Done(0, Name(c.tab_id) + ": forgotten");
  return Done(0, "forgot " + std::to_string(*dropped) + " finished tab" +
                     (*dropped == 1 ? "" : "s"));
}

CommandResult CommandRunner::Resize(const Command& c) {
  auto tab = LiveTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  if (Status done = (*tab)->Resize(c.width, c.height); !done.ok())
    return Failed(done.error());
  return Done(c.tab_id, Name(c.tab_id) + ": resizing to " +
                            std::to_string(c.width) + "x" +
                            std::to_string(c.height));
}

CommandResult CommandRunner::SendInputs(
    TabSession& tab, const std::vector<proto::InputEvent>& events,
    std::string text) {
  for (const proto::InputEvent& event : events) {
    Status sent = tasks_.SendInput(tab, event);
    if (!sent.ok()) return Failed(sent.error());
  }
  return Done(tab.id(), std::move(text));
}

CommandResult CommandRunner::Click(const Command& c) {
  auto tab = LiveTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  TabSession& t = **tab;
  const std::string at =
      "(" + std::to_string(c.x) + ", " + std::to_string(c.y) + ")";
  if (c.x < 0 || c.y < 0 || c.x >= t.width() || c.y >= t.height())
    return Failed(Error{"click: " + at + " is outside " + Name(c.tab_id) +
                            "'s " + std::to_string(t.width()) + "x" +
                            std::to_string(t.height()) + " frame",
                        EINVAL});
  return SendInputs(t,
                    {MouseInput(proto::MouseEvent::DOWN, 0, c.x, c.y),
                     MouseInput(proto::MouseEvent::UP, 0, c.x, c.y)},
                    Name(c.tab_id) + ": click at " + at);
}

CommandResult CommandRunner::Mouse(const Command& c) {
  auto tab = LiveTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  // A drag goes on past the frame's edge (in the terminal UI and the
  // dashboard alike); the tab sees the nearest point on the edge.
  const auto [x, y] = ClampToFrame(**tab, c.x, c.y);
  return SendInputs(**tab, {MouseInput(c.mouse_action, c.button, x, y)},
                    Name(c.tab_id) + ": mouse event at (" + std::to_string(x) +
                        ", " + std::to_string(y) + ")");
}

CommandResult CommandRunner::Wheel(const Command& c) {
  auto tab = LiveTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  const auto [x, y] = ClampToFrame(**tab, c.x, c.y);
  return SendInputs(**tab, {WheelInput(x, y, c.delta_x, c.delta_y)},
                    Name(c.tab_id) + ": wheel at (" + std::to_string(x) + ", " +
                        std::to_string(y) + ")");
}

CommandResult CommandRunner::Key(const Command& c) {
  auto tab = LiveTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  return SendInputs(**tab,
                    {KeyInput(proto::KeyEvent::DOWN, c.key),
                     KeyInput(proto::KeyEvent::UP, c.key)},
                    Name(c.tab_id) + ": key " +
                        proto::KeyCode_Name(c.key).substr(4));
}

CommandResult CommandRunner::Type(const Command& c) {
  auto tab = LiveTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  return SendInputs(**tab, TypeText(c.text),
                    Name(c.tab_id) + ": typed " + std::to_string(c.text.size()) +
                        " byte" + (c.text.size() == 1 ? "" : "s"));
}

CommandResult CommandRunner::Fault(const Command& c) {
  auto tab = LiveTab(c.tab_id);
  if (!tab.ok()) return Failed(tab.error());
  if (c.clear_faults) {
    (*tab)->ClearFaults();
    return Done(c.tab_id, Name(c.tab_id) + ": faults cleared");
  }
  FaultSpec spec = c.fault;
  std::vector<Direction> directions = {spec.direction};
  if (c.fault_both_directions) directions = {Direction::kToTab, Direction::kFromTab};
  for (Direction direction : directions) {
    spec.direction = direction;
    if (Status set = (*tab)->InjectFault(spec); !set.ok()) return Failed(set.error());
  }
  std::string what = ToString(spec.kind);
  if (spec.kind < FaultKind::kWithholdRelease) {
    what += c.fault_both_directions                 ? " both ways"
            : spec.direction == Direction::kToTab ? " to-tab"
                                                   : " from-tab";
    char rate[16];
    std::snprintf(rate, sizeof(rate), " %g%%", spec.rate * 100);
    what += rate;
    if (spec.kind == FaultKind::kDelay)
      what += " " + std::to_string(spec.delay.count()) + " ms";
  }
  TABSIM_LOG(kInfo) << Name(c.tab_id) << ": fault " << what << " injected";
  return Done(c.tab_id, Name(c.tab_id) + ": fault " + what);
}

CommandResult CommandRunner::Timeline(const Command& c) {
  if (timeline_ == nullptr)
    return Failed(Error{"timeline: not available here", ENOTSUP});
  Result<std::string> done = c.timeline_start
                                 ? timeline_->StartTimeline(c.path, c.max_bytes)
                                 : timeline_->StopTimeline();
  if (!done.ok()) return Failed(done.error());
  return Done(0, *done);
}

}  // namespace tabsim
