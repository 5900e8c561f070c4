// Text from outside the manager, made safe to show anywhere: the one UTF-8
// decoder of the project and what is built on it. Free functions, no state.
//
// Tabs are untrusted (docs/security.md): a title or log line may hold any
// bytes. CleanTabText is applied where such text enters the manager
// (TabSession, on TitleChanged and LogLine), so every front end (event
// lines, the terminal UI, the control socket, JSON files, the dashboard)
// receives text that is valid UTF-8, short, and holds nothing a terminal or
// a bidi-aware renderer would act on. Front ends still escape for their own
// medium (JSON quotes, HTML), but need not clean.
#ifndef TABSIM_MANAGER_BASE_TEXT_H_
#define TABSIM_MANAGER_BASE_TEXT_H_

#include <cstddef>
#include <string>
#include <string_view>

namespace tabsim {

// U+FFFD REPLACEMENT CHARACTER, in UTF-8.
inline constexpr std::string_view kReplacementCharacter = "\xEF\xBF\xBD";

// True when `text` is well-formed UTF-8: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF, no truncated sequence.
bool IsValidUtf8(std::string_view text);

// `bytes` with each invalid sequence replaced by one U+FFFD, everything
// else unchanged. "Invalid sequence" is the maximal subpart of Unicode
// (and WHATWG's decoder): a truncated but otherwise valid prefix such as
// E2 82 is one U+FFFD; a byte that can never start or continue a character
// (C0, F5..FF, a stray continuation byte) is one U+FFFD each, so an
// overlong C0 AF or a surrogate ED A0 80 yields one per byte.
std::string ToValidUtf8(std::string_view bytes);

// Tab-supplied text (a title, a log line) made safe to show, at most
// `max_bytes` long:
//   * invalid UTF-8 becomes U+FFFD, as in ToValidUtf8;
//   * TAB, LF, CR and U+2028/U+2029 (line and paragraph separators) become
//     one space each, so the words around a line break stay apart and the
//     text stays on one line;
//   * every other C0 control (U+0000..U+001F, ESC included), DEL (U+007F),
//     the C1 controls (U+0080..U+009F, among them U+009B, a one-character
//     CSI, and U+0085 NEL) and the bidi embedding, override and isolate
//     controls (U+202A..U+202E, U+2066..U+2069) are removed;
//   * the result is cut after the last whole character that fits in
//     `max_bytes` (never inside a character); nothing marks the cut.
// The result is valid UTF-8 whatever `bytes` holds.
std::string CleanTabText(std::string_view bytes, size_t max_bytes);

// True when CleanTabText(text, max_bytes) would return `text` unchanged,
// so a caller on a hot path (a flood of log lines) can pass the original
// on without a copy.
bool IsCleanTabText(std::string_view text, size_t max_bytes);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BASE_TEXT_H_
