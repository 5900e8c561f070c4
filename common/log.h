// Minimal leveled logging to stderr. Quiet by default: warnings and errors
// only; TABSIM_LOG_LEVEL=debug (or SetLogLevel) shows per-message traces.
// Each line is written with one write(2), so lines from tabs and the
// manager do not interleave mid-line.
#ifndef TABSIM_COMMON_LOG_H_
#define TABSIM_COMMON_LOG_H_

#include <sstream>

namespace tabsim {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarning = 2, kError = 3, kNone = 4 };

void SetLogLevel(LogLevel level);
LogLevel GetLogLevel();
// Reads TABSIM_LOG_LEVEL (debug|info|warning|error|none); ignores junk.
void InitLogLevelFromEnvironment();
// Prefix for every line, e.g. "tabsim" or "tabsim-tab[3]".
void SetLogPrefix(const char* prefix);

class LogLine {
 public:
  explicit LogLine(LogLevel level);
  ~LogLine();
  std::ostream& stream() { return stream_; }

 private:
  std::ostringstream stream_;
};

// Turns `stream << ...` into void, so TABSIM_LOG is one expression (glog's
// LogMessageVoidify): safe under an unbraced if/else, unlike an if-else
// macro. `&` binds looser than `<<`.
struct LogVoidify {
  void operator&(std::ostream&) {}
};

}  // namespace tabsim

// Nothing after TABSIM_LOG(level) is evaluated below the log level.
#define TABSIM_LOG(level)                                          \
  (::tabsim::LogLevel::level < ::tabsim::GetLogLevel())            \
      ? (void)0                                                    \
      : ::tabsim::LogVoidify() &                                   \
            ::tabsim::LogLine(::tabsim::LogLevel::level).stream()

#endif  // TABSIM_COMMON_LOG_H_
