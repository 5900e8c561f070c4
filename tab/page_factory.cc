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

#include "tab/blank_page.h"
#include "tab/bounce_page.h"
#include "tab/clock_page.h"
#include "tab/crash_page.h"
#include "tab/error_page.h"
#include "tab/hang_page.h"
#include "tab/page.h"
#include "tab/paint_page.h"
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

std::unique_ptr<Page> CreatePageOrError(const std::string& url) {
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

  const bool takes_delay = name == "crash" || name == "hang";
  const bool known = takes_delay || name == "blank" || name == "clock" ||
                     name == "bounce" || name == "paint" || name == "stamp";
  if (!known) {
    return Error(url, name.empty() ? "no page name after sim://"
                                   : "unknown page '" + name + "'");
  }
  for (const auto& [key, value] : *params) {
    if (!(takes_delay && key == "after")) {
      return Error(url,
                   "unknown query parameter '" + key + "' for sim://" + name);
    }
  }

  if (takes_delay) {
    std::chrono::milliseconds after{0};
    if (const auto it = params->find("after"); it != params->end()) {
      const auto delay = ParseDelay(it->second, &error);
      if (!delay) return Error(url, error);
      after = *delay;
    }
    if (name == "crash") return std::make_unique<CrashPage>(url, after);
    return std::make_unique<HangPage>(url, after);
  }
  if (name == "blank") return std::make_unique<BlankPage>(url);
  if (name == "clock") return std::make_unique<ClockPage>(url);
  if (name == "bounce") return std::make_unique<BouncePage>(url);
  if (name == "paint") return std::make_unique<PaintPage>(url);
  return std::make_unique<StampPage>(url);
}

}  // namespace

std::unique_ptr<Page> CreatePage(const std::string& url) {
  try {
    return CreatePageOrError(url);
  } catch (...) {
    // Only std::bad_alloc is possible; an error page is the best we can do.
    return std::make_unique<ErrorPage>(std::string(), "out of memory");
  }
}

}  // namespace tabsim
