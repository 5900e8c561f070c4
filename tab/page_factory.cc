// CreatePage(): maps "sim://NAME[/][?key=value&...]" to a page. The scheme
// and NAME are case-insensitive; parameters are strict (an unknown,
// repeated or malformed one yields the error page) so that a typo in a test
// URL is visible instead of silently ignored.
#include <algorithm>
#include <cctype>
#include <chrono>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tab/bad_message_page.h"
#include "tab/bad_syscall_page.h"
#include "tab/blank_page.h"
#include "tab/bounce_page.h"
#include "tab/clock_page.h"
#include "tab/crash_page.h"
#include "tab/error_page.h"
#include "tab/escape_page.h"
#include "tab/exit_page.h"
#include "tab/flood_page.h"
#include "tab/fork_bomb_page.h"
#include "tab/frames_page.h"
#include "tab/hang_page.h"
#include "tab/leak_page.h"
#include "tab/page.h"
#include "tab/paint_page.h"
#include "tab/slow_page.h"
#include "tab/stamp_page.h"

namespace tabsim {
namespace {

constexpr std::string_view kScheme = "sim://";
constexpr int64_t kMaxDelayMs = 60 * 60 * 1000;  // one hour
constexpr size_t kMaxUrlLength = 8192;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](char c) {
    return static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  });
  return out;
}

// Parses "key=value&key=value"; nullopt and `error` set on failure.
std::optional<std::map<std::string, std::string>> ParseQuery(
    std::string_view query, std::string* error) {
  std::map<std::string, std::string> params;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    const std::string_view part = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    if (part.empty()) continue;
    const size_t eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      *error = "malformed query parameter '" + std::string(part) +
               "' (expected key=value)";
      return std::nullopt;
    }
    std::string key(part.substr(0, eq));
    if (params.count(key)) {
      *error = "query parameter '" + key + "' given more than once";
      return std::nullopt;
    }
    params.emplace(std::move(key), std::string(part.substr(eq + 1)));
  }
  return params;
}

// A delay in milliseconds: decimal digits only, at most one hour.
std::optional<std::chrono::milliseconds> ParseDelay(const std::string& value,
                                                    std::string* error) {
  const bool digits = !value.empty() &&
                      std::all_of(value.begin(), value.end(),
                                  [](char c) { return c >= '0' && c <= '9'; });
  int64_t ms = 0;
  for (char c : value) {
    if (!digits || ms > kMaxDelayMs) break;
    ms = ms * 10 + (c - '0');
  }
  if (!digits || ms > kMaxDelayMs) {
    *error = "invalid value '" + value +
             "' for 'after' (expected milliseconds from 0 to " +
             std::to_string(kMaxDelayMs) + ")";
    return std::nullopt;
  }
  return std::chrono::milliseconds(ms);
}

std::unique_ptr<Page> Error(const std::string& url, std::string reason) {
  return std::make_unique<ErrorPage>(url, std::move(reason));
}

// An exit status: decimal digits only, 0 to 255.
std::optional<int> ParseExitCode(const std::string& value, std::string* error) {
  const bool digits = !value.empty() && value.size() <= 3 &&
                      std::all_of(value.begin(), value.end(),
                                  [](char c) { return c >= '0' && c <= '9'; });
  if (!digits || std::stoi(value) > 255) {
    *error = "invalid value '" + value + "' for 'code' (expected 0 to 255)";
    return std::nullopt;
  }
  return std::stoi(value);
}

std::unique_ptr<Page> CreatePageOrError(const std::string& url,
                                        PageHost* host) {
  if (url.size() > kMaxUrlLength) return Error(url, "the URL is too long");
  if (Lower(url.substr(0, kScheme.size())) != kScheme) {
    if (url.find("://") == std::string::npos) {
      return Error(url, "malformed URL (expected sim://NAME)");
    }
    return Error(url, "unsupported scheme (only sim:// pages exist)");
  }
  const std::string_view rest = std::string_view(url).substr(kScheme.size());
  const size_t question = rest.find('?');
  std::string_view name_part = rest.substr(0, question);
  if (!name_part.empty() && name_part.back() == '/') name_part.remove_suffix(1);
  const std::string name = Lower(name_part);
  const std::string_view query = question == std::string_view::npos
                                     ? std::string_view{}
                                     : rest.substr(question + 1);

  std::string error;
  const auto params = ParseQuery(query, &error);
  if (!params) return Error(url, error);

  // The parameters each page accepts; every other name is an error.
  static const std::map<std::string, std::vector<std::string>> kPages = {
      {"blank", {}},          {"clock", {}},
      {"bounce", {}},         {"paint", {}},
      {"stamp", {}},          {"frames", {}},
      {"crash", {"after"}},   {"hang", {"after"}},
      {"abort", {"after"}},   {"exit", {"code", "after"}},
      {"slow", {}},           {"leak", {}},
      {"flood", {}},          {"fork-bomb", {}},
      {"escape", {}},         {"bad-syscall", {}},
      {"bad-message", {"kind"}},
  };
  const auto page = kPages.find(name);
  if (page == kPages.end()) {
    return Error(url, name.empty() ? "no page name after sim://"
                                   : "unknown page '" + name + "'");
  }
  for (const auto& [key, value] : *params) {
    if (std::find(page->second.begin(), page->second.end(), key) ==
        page->second.end()) {
      return Error(url,
                   "unknown query parameter '" + key + "' for sim://" + name);
    }
  }
  auto param = [&](const char* key) -> const std::string* {
    const auto it = params->find(key);
    return it == params->end() ? nullptr : &it->second;
  };

  std::chrono::milliseconds after{0};
  if (const std::string* value = param("after")) {
    const auto delay = ParseDelay(*value, &error);
    if (!delay) return Error(url, error);
    after = *delay;
  }

  if (name == "crash") return std::make_unique<CrashPage>(url, after);
  if (name == "hang") return std::make_unique<HangPage>(url, after);
  if (name == "abort") {
    return std::make_unique<ExitPage>(url, ExitPage::Mode::kAbort, 0, after);
  }
  if (name == "exit") {
    int code = 0;
    if (const std::string* value = param("code")) {
      const auto parsed = ParseExitCode(*value, &error);
      if (!parsed) return Error(url, error);
      code = *parsed;
    }
    return std::make_unique<ExitPage>(url, ExitPage::Mode::kExit, code, after);
  }
  if (name == "bad-message") {
    const std::string* value = param("kind");
    if (value == nullptr) {
      return Error(url, "sim://bad-message needs kind=K, one of: " +
                            BadMessagePage::KindList());
    }
    const auto kind = BadMessagePage::ParseKind(*value);
    if (!kind) {
      return Error(url, "unknown kind '" + *value + "' (expected one of: " +
                            BadMessagePage::KindList() + ")");
    }
    return std::make_unique<BadMessagePage>(url, *kind, host);
  }
  if (name == "blank") return std::make_unique<BlankPage>(url);
  if (name == "clock") return std::make_unique<ClockPage>(url);
  if (name == "bounce") return std::make_unique<BouncePage>(url);
  if (name == "paint") return std::make_unique<PaintPage>(url);
  if (name == "stamp") return std::make_unique<StampPage>(url);
  if (name == "frames") return std::make_unique<FramesPage>(url);
  if (name == "slow") return std::make_unique<SlowPage>(url);
  if (name == "leak") return std::make_unique<LeakPage>(url, host);
  if (name == "flood") return std::make_unique<FloodPage>(url, host);
  if (name == "fork-bomb") return std::make_unique<ForkBombPage>(url, host);
  if (name == "escape") return std::make_unique<EscapePage>(url, host);
  return std::make_unique<BadSyscallPage>(url, host);
}

}  // namespace

std::unique_ptr<Page> CreatePage(const std::string& url, PageHost* host) {
  try {
    return CreatePageOrError(url, host);
  } catch (...) {
    // Only std::bad_alloc is possible; an error page is the best we can do.
    return std::make_unique<ErrorPage>(std::string(), "out of memory");
  }
}

}  // namespace tabsim
