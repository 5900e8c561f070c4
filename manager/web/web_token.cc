#include "manager/web/web_token.h"

#include <sys/random.h>

#include <cerrno>
#include <cstdint>

namespace tabsim {

Result<WebToken> WebToken::Generate() {
  uint8_t bytes[kLength / 2];
  size_t have = 0;
  while (have < sizeof(bytes)) {
    ssize_t got = ::getrandom(bytes + have, sizeof(bytes) - have, 0);
    if (got < 0) {
      if (errno == EINTR) continue;
      return Error::FromErrno("getrandom");
    }
    have += size_t(got);
  }
  static constexpr char kHex[] = "0123456789abcdef";
  std::string text;
  text.reserve(kLength);
  for (uint8_t byte : bytes) {
    text += kHex[byte >> 4];
    text += kHex[byte & 0xf];
  }
  return WebToken(std::move(text));
}

WebToken::WebToken(std::string value) : value_(std::move(value)) {
  TABSIM_CHECK(!value_.empty()) << "empty web token";
}

bool WebToken::Matches(std::string_view candidate) const {
  if (candidate.size() != value_.size()) return false;
  unsigned char difference = 0;
  for (size_t i = 0; i < value_.size(); ++i)
    difference |= static_cast<unsigned char>(value_[i] ^ candidate[i]);
  return difference == 0;
}

bool WebToken::AllowsTarget(std::string_view target) const {
  auto candidate = QueryParameter(target, "token");
  return candidate && Matches(*candidate);
}

std::string_view TargetPath(std::string_view target) {
  return target.substr(0, target.find('?'));
}

std::optional<std::string_view> QueryParameter(std::string_view target,
                                               std::string_view name) {
  target = target.substr(0, target.find('#'));
  size_t question = target.find('?');
  if (question == std::string_view::npos) return std::nullopt;
  std::string_view query = target.substr(question + 1);
  std::optional<std::string_view> found;
  while (!query.empty()) {
    size_t amp = query.find('&');
    std::string_view pair = query.substr(0, amp);
    query = amp == std::string_view::npos ? std::string_view{}
                                          : query.substr(amp + 1);
    size_t equals = pair.find('=');
    std::string_view key = pair.substr(0, equals);
    if (key != name) continue;
    if (found) return std::nullopt;  // twice: refuse to pick one
    found = equals == std::string_view::npos ? std::string_view{}
                                             : pair.substr(equals + 1);
  }
  return found;
}

}  // namespace tabsim
