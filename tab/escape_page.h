// sim://escape: a hostile test page that tries to get out of its tab, the
// way a compromised renderer would, once, right after its first frame:
//
//   open /etc/passwd                    read a file
//   stat /etc/passwd                    probe the file system
//   connect to the control socket       drive the manager ($TABSIM_CONTROL_SOCKET,
//                                       else ControlSocketGuess())
//   open /proc/<manager>/fd             list and steal the manager's fds
//   open /proc/<manager>/fd/3
//   ptrace the manager                  PTRACE_SEIZE (never stops it)
//   kill(manager, 0)                    signal another process
//   fork                                start something else
//   exec /bin/sh                        become something else
//   raise RLIMIT_AS                     undo the sandbox
//
// Each attempt is reported as a line on the page and a LogLine to the
// manager: "<attempt>: blocked (EPERM ...)" or "<attempt>: SUCCEEDED". The
// title becomes "Escape: N/N blocked" followed by kTitleAttack, an attack
// on whoever shows the title: terminal escapes (an OSC that sets the
// window title, a clear screen, a UTF-8 C1 CSI), bidi overrides, DEL and
// invalid UTF-8, each between labelled brackets. The manager must show it
// cleaned (CleanTabText, manager/base/text.h): " | ESC<]0;owned[2J>
// CSI<31m> RLO<> LRI<> DEL<> bad<\uFFFD\uFFFD>". Then the page idles. Under the
// sandbox every attempt fails with EPERM and none kills the tab (see
// tab/sandbox.h). Without it (--no-sandbox) attempts may succeed; the page
// then undoes what it did (closes fds, detaches, reaps, exec's only in a
// child) so that the demonstration itself does no harm.
#ifndef TABSIM_TAB_ESCAPE_PAGE_H_
#define TABSIM_TAB_ESCAPE_PAGE_H_

#include <string>
#include <string_view>

#include "tab/report_page.h"

namespace tabsim {

class EscapePage final : public ReportPage {
 public:
  EscapePage(std::string url, PageHost* host);

  void Tick(Clock::time_point now) override;

  // Where the control socket is expected when $TABSIM_CONTROL_SOCKET is
  // not set: the manager's default (manager/control_path.h),
  // $XDG_RUNTIME_DIR/tabsim/control, else /tmp/tabsim-<uid>/control.
  static std::string ControlSocketGuess();

  // Appended to the title (see above); the bytes a tab may send, not text.
  static constexpr std::string_view kTitleAttack =
      " | ESC<\x1b]0;owned\x07\x1b[2J> CSI<\xc2\x9b"
      "31m> RLO<\xe2\x80\xae> LRI<\xe2\x81\xa6> DEL<\x7f> bad<\xff\xe2\x82>";

  int attempts() const { return attempts_; }
  int blocked() const { return blocked_; }

 private:
  // Records one attempt: `rc` < 0 means it failed with `error`.
  void Record(const std::string& what, long rc, int error);

  int attempts_ = 0;
  int blocked_ = 0;
};

}  // namespace tabsim

#endif  // TABSIM_TAB_ESCAPE_PAGE_H_
