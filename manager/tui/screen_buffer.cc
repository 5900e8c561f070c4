#include "manager/tui/screen_buffer.h"

#include <algorithm>

namespace tabsim {

void AppendUtf8(char32_t ch, std::string* out) {
  if (ch < 0x80) {
    *out += static_cast<char>(ch);
  } else if (ch < 0x800) {
    *out += static_cast<char>(0xC0 | (ch >> 6));
    *out += static_cast<char>(0x80 | (ch & 0x3F));
  } else if (ch < 0x10000) {
    *out += static_cast<char>(0xE0 | (ch >> 12));
    *out += static_cast<char>(0x80 | ((ch >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (ch & 0x3F));
  } else {
    *out += static_cast<char>(0xF0 | (ch >> 18));
    *out += static_cast<char>(0x80 | ((ch >> 12) & 0x3F));
    *out += static_cast<char>(0x80 | ((ch >> 6) & 0x3F));
    *out += static_cast<char>(0x80 | (ch & 0x3F));
  }
}

void ScreenBuffer::Resize(int columns, int rows) {
  columns_ = std::max(columns, 0);
  rows_ = std::max(rows, 0);
  cells_.assign(size_t(columns_) * rows_, Cell{});
  shown_.clear();
}

void ScreenBuffer::Clear() { std::fill(cells_.begin(), cells_.end(), Cell{}); }

void ScreenBuffer::Put(int x, int y, char32_t ch, uint32_t fg, uint32_t bg,
                       bool bold) {
  if (x < 0 || y < 0 || x >= columns_ || y >= rows_) return;
  // Control characters would move the real cursor: never draw them.
  if (ch < 0x20 || ch == 0x7f) ch = U'?';
  cells_[size_t(y) * columns_ + x] = Cell{ch, fg, bg, bold};
}

int ScreenBuffer::Text(int x, int y, std::string_view text, uint32_t fg,
                       uint32_t bg, bool bold, int max_width) {
  int used = 0;
  for (size_t i = 0; i < text.size() && used < max_width && x + used < columns_;) {
    auto lead = static_cast<unsigned char>(text[i]);
    char32_t ch = lead;
    size_t length = 1;
    if (lead >= 0xF0) { ch = lead & 0x07; length = 4; }
    else if (lead >= 0xE0) { ch = lead & 0x0F; length = 3; }
    else if (lead >= 0xC0) { ch = lead & 0x1F; length = 2; }
    else if (lead >= 0x80) { ch = U'?'; }
    for (size_t k = 1; k < length; ++k) {
      if (i + k >= text.size()) { ch = U'?'; break; }
      ch = (ch << 6) | (static_cast<unsigned char>(text[i + k]) & 0x3F);
    }
    i += length;
    Put(x + used, y, ch, fg, bg, bold);
    ++used;
  }
  return used;
}

void ScreenBuffer::Fill(int x, int y, int width, int height, uint32_t bg) {
  for (int row = y; row < y + height; ++row)
    for (int column = x; column < x + width; ++column)
      Put(column, row, U' ', kDefaultColor, bg);
}

namespace {

void AppendColor(bool foreground, uint32_t color, std::string* out) {
  if (color == kDefaultColor) {
    *out += foreground ? ";39" : ";49";
    return;
  }
  *out += foreground ? ";38;2;" : ";48;2;";
  *out += std::to_string((color >> 16) & 0xFF) + ";" +
          std::to_string((color >> 8) & 0xFF) + ";" +
          std::to_string(color & 0xFF);
}

}  // namespace

std::string ScreenBuffer::Flush() {
  std::string out;
  const bool full = shown_.size() != cells_.size();
  if (full) {
    out += "\x1b[0m\x1b[2J";
    shown_.assign(cells_.size(), Cell{});
  }
  int cursor_x = -1, cursor_y = -1;
  bool have_style = false;
  Cell style;
  for (int y = 0; y < rows_; ++y) {
    for (int x = 0; x < columns_; ++x) {
      const size_t i = size_t(y) * columns_ + x;
      const Cell& cell = cells_[i];
      if (!full && cell == shown_[i]) continue;
      if (full && cell == Cell{}) continue;  // the clear drew it already
      if (cursor_x != x || cursor_y != y)
        out += "\x1b[" + std::to_string(y + 1) + ";" + std::to_string(x + 1) + "H";
      if (!have_style || style.fg != cell.fg || style.bg != cell.bg ||
          style.bold != cell.bold) {
        out += cell.bold ? "\x1b[0;1" : "\x1b[0";
        AppendColor(true, cell.fg, &out);
        AppendColor(false, cell.bg, &out);
        out += "m";
        style = cell;
        have_style = true;
      }
      AppendUtf8(cell.ch, &out);
      shown_[i] = cell;
      cursor_x = x + 1;
      cursor_y = y;
      // The last column leaves the cursor in a pending-wrap state that
      // terminals differ on: always reposition after it.
      if (cursor_x >= columns_) cursor_x = -1;
    }
  }
  if (have_style) out += "\x1b[0m";
  return out;
}

std::string ScreenBuffer::ToText() const {
  std::string text;
  for (int y = 0; y < rows_; ++y) {
    std::string line;
    for (int x = 0; x < columns_; ++x) AppendUtf8(at(x, y).ch, &line);
    while (!line.empty() && line.back() == ' ') line.pop_back();
    text += line + "\n";
  }
  return text;
}

}  // namespace tabsim
