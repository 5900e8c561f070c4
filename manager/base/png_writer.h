// PNG files of tab frames, with libpng's simplified API.
//
// Pixels are tabsim's frame format: uint32 0xAARRGGBB in host (little-
// endian) order, i.e. bytes B, G, R, A; rows tightly packed. WritePng
// writes to a temporary file next to `path` and renames it into place, so
// a reader never sees half a PNG. Errors are values with libpng's message.
#ifndef TABSIM_MANAGER_BASE_PNG_WRITER_H_
#define TABSIM_MANAGER_BASE_PNG_WRITER_H_

#include <cstdint>
#include <string>
#include <vector>

#include "common/result.h"

namespace tabsim {

struct Image {
  int width = 0;
  int height = 0;
  std::vector<uint32_t> pixels;  // 0xAARRGGBB, width * height
  uint32_t at(int x, int y) const { return pixels[size_t(y) * width + x]; }
};

Status WritePng(const std::string& path, const uint32_t* pixels, int width,
                int height);
// Decodes any PNG into the frame format (used by tests and tools).
Result<Image> ReadPng(const std::string& path);

}  // namespace tabsim

#endif  // TABSIM_MANAGER_BASE_PNG_WRITER_H_
