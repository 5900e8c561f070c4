// A grid of terminal cells (character, truecolor foreground and background,
// bold/reverse) that the TUI draws into every frame, and the diff that
// turns "what should be on screen" into the escape sequences for only the
// cells that changed since the last Flush(). Pure: no I/O, unit-tested.
#ifndef TABSIM_MANAGER_TUI_SCREEN_BUFFER_H_
#define TABSIM_MANAGER_TUI_SCREEN_BUFFER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tabsim {

// 0xRRGGBB, or kDefaultColor for the terminal's own colour.
inline constexpr uint32_t kDefaultColor = 0x01000000;

struct Cell {
  char32_t ch = U' ';
  uint32_t fg = kDefaultColor;
  uint32_t bg = kDefaultColor;
  bool bold = false;
  bool operator==(const Cell&) const = default;
};

class ScreenBuffer {
 public:
  // Resizing forgets what is on screen: the next Flush() redraws all.
  void Resize(int columns, int rows);
  int columns() const { return columns_; }
  int rows() const { return rows_; }

  // Starts a new frame: every cell blank.
  void Clear();
  void Put(int x, int y, char32_t ch, uint32_t fg, uint32_t bg,
           bool bold = false);
  // Draws UTF-8 `text` from (x, y), clipped at `max_width` cells (and the
  // screen edge). Returns the cells used.
  int Text(int x, int y, std::string_view text, uint32_t fg, uint32_t bg,
           bool bold = false, int max_width = 1 << 30);
  void Fill(int x, int y, int width, int height, uint32_t bg);
  const Cell& at(int x, int y) const { return cells_[size_t(y) * columns_ + x]; }

  // The bytes that bring the terminal from the last flushed frame to this
  // one (everything, after Resize or Invalidate). Empty when nothing changed.
  std::string Flush();
  void Invalidate() { shown_.clear(); }

  // The frame as plain text, one line per row (for tests and docs).
  std::string ToText() const;

 private:
  int columns_ = 0;
  int rows_ = 0;
  std::vector<Cell> cells_;
  std::vector<Cell> shown_;  // what the terminal shows; empty: unknown
};

// Appends the UTF-8 encoding of `ch`.
void AppendUtf8(char32_t ch, std::string* out);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_TUI_SCREEN_BUFFER_H_
