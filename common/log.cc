#include "common/log.h"

#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <string>

namespace tabsim {
namespace {
LogLevel g_level = LogLevel::kWarning;
char g_prefix[64] = "tabsim";

const char* LevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarning: return "warning";
    case LogLevel::kError: return "error";
    case LogLevel::kNone: return "";
  }
  return "";
}
}  // namespace

void SetLogLevel(LogLevel level) { g_level = level; }
LogLevel GetLogLevel() { return g_level; }

void InitLogLevelFromEnvironment() {
  const char* value = std::getenv("TABSIM_LOG_LEVEL");
  if (value == nullptr) return;
  for (LogLevel level : {LogLevel::kDebug, LogLevel::kInfo, LogLevel::kWarning,
                         LogLevel::kError, LogLevel::kNone}) {
    if (std::strcmp(value, LevelName(level)) == 0 ||
        (level == LogLevel::kNone && std::strcmp(value, "none") == 0))
      g_level = level;
  }
}

void SetLogPrefix(const char* prefix) {
  std::strncpy(g_prefix, prefix, sizeof(g_prefix) - 1);
  g_prefix[sizeof(g_prefix) - 1] = '\0';
}

LogLine::LogLine(LogLevel level) {
  stream_ << g_prefix << ": " << LevelName(level) << ": ";
}

LogLine::~LogLine() {
  stream_ << '\n';
  std::string text = stream_.str();
  ssize_t ignored = ::write(STDERR_FILENO, text.data(), text.size());
  (void)ignored;
}

}  // namespace tabsim
