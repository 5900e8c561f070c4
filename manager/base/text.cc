#include "manager/base/text.h"

#include <algorithm>
#include <cstdint>

namespace tabsim {
namespace {

constexpr char32_t kInvalid = 0xFFFFFFFF;

struct Utf8Char {
  char32_t code;  // kInvalid for an invalid sequence
  size_t length;  // bytes it spans, at least 1
};

// Decodes the character at `text[at]` (at < text.size()). An invalid
// sequence spans its maximal subpart: the bytes that could still have begun
// a valid character, at least one.
Utf8Char Decode(std::string_view text, size_t at) {
  const auto byte = [&](size_t i) { return static_cast<uint8_t>(text[i]); };
  const uint8_t lead = byte(at);
  if (lead < 0x80) return {lead, 1};
  size_t length;
  char32_t code;
  // The range of the first continuation byte excludes overlongs (E0, F0),
  // surrogates (ED) and code points above U+10FFFF (F4).
  uint8_t low = 0x80, high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2, code = lead & 0x1F;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3, code = lead & 0x0F;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4, code = lead & 0x07;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return {kInvalid, 1};  // a continuation byte, C0, C1 or F5..FF
  }
  for (size_t k = 1; k < length; ++k) {
    if (at + k >= text.size()) return {kInvalid, k};
    const uint8_t next = byte(at + k);
    if (next < low || next > high) return {kInvalid, k};
    code = (code << 6) | (next & 0x3F);
    low = 0x80, high = 0xBF;
  }
  return {code, length};
}

bool IsPrintableAscii(std::string_view text) {
  for (char c : text)
    if (c < 0x20 || c > 0x7E) return false;
  return true;
}

enum class Treatment { kKeep, kSpace, kRemove };

Treatment TreatmentOf(char32_t code) {
  if (code == '\t' || code == '\n' || code == '\r' || code == 0x2028 ||
      code == 0x2029)
    return Treatment::kSpace;
  if (code < 0x20 || (code >= 0x7F && code <= 0x9F)) return Treatment::kRemove;
  if ((code >= 0x202A && code <= 0x202E) || (code >= 0x2066 && code <= 0x2069))
    return Treatment::kRemove;
  return Treatment::kKeep;
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
  for (size_t i = 0; i < text.size();) {
    const Utf8Char c = Decode(text, i);
    if (c.code == kInvalid) return false;
    i += c.length;
  }
  return true;
}

std::string ToValidUtf8(std::string_view bytes) {
  if (IsValidUtf8(bytes)) return std::string(bytes);
  std::string out;
  out.reserve(bytes.size() + 8);
  for (size_t i = 0; i < bytes.size();) {
    const Utf8Char c = Decode(bytes, i);
    if (c.code == kInvalid)
      out += kReplacementCharacter;
    else
      out += bytes.substr(i, c.length);
    i += c.length;
  }
  return out;
}

bool IsCleanTabText(std::string_view text, size_t max_bytes) {
  if (text.size() > max_bytes) return false;
  // The common case, and the cheap one (a flooding tab sends log lines by
  // the million).
  if (IsPrintableAscii(text)) return true;
  for (size_t i = 0; i < text.size();) {
    const Utf8Char c = Decode(text, i);
    if (c.code == kInvalid || TreatmentOf(c.code) != Treatment::kKeep)
      return false;
    i += c.length;
  }
  return true;
}

std::string CleanTabText(std::string_view bytes, size_t max_bytes) {
  if (IsCleanTabText(bytes, max_bytes)) return std::string(bytes);
  std::string out;
  out.reserve(std::min(bytes.size(), max_bytes));
  for (size_t i = 0; i < bytes.size();) {
    const Utf8Char c = Decode(bytes, i);
    std::string_view piece = bytes.substr(i, c.length);
    i += c.length;
    if (c.code == kInvalid) {
      piece = kReplacementCharacter;
    } else {
      switch (TreatmentOf(c.code)) {
        case Treatment::kKeep: break;
        case Treatment::kSpace: piece = " "; break;
        case Treatment::kRemove: continue;
      }
    }
    if (out.size() + piece.size() > max_bytes) break;
    out += piece;
  }
  return out;
}

}  // namespace tabsim
