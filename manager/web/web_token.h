// The web dashboard's access token, in the role of Jupyter's: a random
// secret printed with the dashboard URL at start, required as `?token=` on
// every HTTP request and WebSocket upgrade (docs/web.md).
//
// Failure: Generate() fails only when getrandom(2) does (the error names
// it). Matches() compares in constant time for a given candidate length,
// so response timing does not leak a prefix of the token.
//
// Ownership: a plain value; copyable on purpose (the server keeps one, the
// printed URL carries another).
#ifndef TABSIM_MANAGER_WEB_WEB_TOKEN_H_
#define TABSIM_MANAGER_WEB_WEB_TOKEN_H_

#include <optional>
#include <string>
#include <string_view>

#include "common/result.h"

namespace tabsim {

class WebToken {
 public:
  // 128 random bits as 32 lowercase hex characters.
  static constexpr size_t kLength = 32;

  static Result<WebToken> Generate();
  // A token given by the caller (tests). CHECKs it is not empty.
  explicit WebToken(std::string value);

  // True only for exactly the token; never for an empty candidate.
  bool Matches(std::string_view candidate) const;
  // True when `target` (an HTTP request-target such as "/ws?token=..") has
  // exactly one `token` parameter and it matches.
  bool AllowsTarget(std::string_view target) const;
  const std::string& value() const { return value_; }

 private:
  std::string value_;
};

// The path of an HTTP request-target ("/ws?token=x" -> "/ws").
std::string_view TargetPath(std::string_view target);
// The value of query parameter `name` in `target`: nullopt when it is
// absent or present more than once (ambiguous). No percent-decoding: the
// values we accept are plain hex.
std::optional<std::string_view> QueryParameter(std::string_view target,
                                               std::string_view name);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_WEB_WEB_TOKEN_H_
