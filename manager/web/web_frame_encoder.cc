#include "manager/web/web_frame_encoder.h"

#include <png.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <vector>

namespace tabsim {

namespace {

void PutU32(std::string* out, size_t offset, uint32_t value) {
  for (int i = 0; i < 4; ++i) (*out)[offset + i] = char((value >> (8 * i)) & 0xff);
}
void PutU64(std::string* out, size_t offset, uint64_t value) {
  for (int i = 0; i < 8; ++i) (*out)[offset + i] = char((value >> (8 * i)) & 0xff);
}

}  // namespace

WebRect Union(const WebRect& a, const WebRect& b) {
  if (a.IsEmpty()) return b;
  if (b.IsEmpty()) return a;
  long left = std::min<long>(a.x, b.x), top = std::min<long>(a.y, b.y);
  long right = std::max<long>(long(a.x) + a.width, long(b.x) + b.width);
  long bottom = std::max<long>(long(a.y) + a.height, long(b.y) + b.height);
  return {int(left), int(top), int(std::min<long>(right - left, INT32_MAX)),
          int(std::min<long>(bottom - top, INT32_MAX))};
}

WebRect Clip(const WebRect& rect, int width, int height) {
  long left = std::max<long>(rect.x, 0), top = std::max<long>(rect.y, 0);
  long right = std::min<long>(long(rect.x) + rect.width, width);
  long bottom = std::min<long>(long(rect.y) + rect.height, height);
  if (right <= left || bottom <= top) return {};
  return {int(left), int(top), int(right - left), int(bottom - top)};
}

WebRect DamageOf(const FrameView& frame) {
  return Clip({frame.damage_x, frame.damage_y, frame.damage_width,
               frame.damage_height},
              frame.width, frame.height);
}

Result<std::string> EncodeWebFrame(int tab_id, const FrameView& frame,
                                   const WebRect& wanted,
                                   std::vector<unsigned char>* scratch) {
  if (!frame.IsValid()) return Error{"encode frame: no frame", EINVAL};
  WebRect rect = Clip(wanted, frame.width, frame.height);
  if (rect.IsEmpty()) return Error{"encode frame: empty rectangle", EINVAL};

  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  image.width = png_uint_32(rect.width);
  image.height = png_uint_32(rect.height);
  image.format = PNG_FORMAT_BGRA;  // the bytes of 0xAARRGGBB on little-endian
  image.flags = PNG_IMAGE_FLAG_FAST;
  const uint32_t* first = frame.pixels + size_t(rect.y) * size_t(frame.width) + size_t(rect.x);
  // libpng counts a row in components (4 per pixel), not bytes.
  const png_int_32 row_components = png_int_32(frame.width) * 4;
  // Compress once into scratch space of the worst-case size, then copy
  // the (usually far smaller) result behind the header.
  std::vector<unsigned char> local;
  if (scratch == nullptr) scratch = &local;
  scratch->resize(PNG_IMAGE_PNG_SIZE_MAX(image));
  png_alloc_size_t written = scratch->size();
  if (!png_image_write_to_memory(&image, scratch->data(), &written, 0, first,
                                 row_components, nullptr)) {
    std::string message = image.message;
    png_image_free(&image);
    return Error{"encode frame: " + message, EIO};
  }
  std::string out(kWebFrameHeaderBytes + written, '\0');
  std::memcpy(out.data(), kWebFrameMagic, 4);
  PutU32(&out, 4, uint32_t(tab_id));
  PutU32(&out, 8, uint32_t(frame.width));
  PutU32(&out, 12, uint32_t(frame.height));
  PutU32(&out, 16, uint32_t(rect.x));
  PutU32(&out, 20, uint32_t(rect.y));
  PutU32(&out, 24, uint32_t(rect.width));
  PutU32(&out, 28, uint32_t(rect.height));
  PutU64(&out, 32, frame.sequence);
  std::memcpy(out.data() + kWebFrameHeaderBytes, scratch->data(), written);
  return out;
}

Result<WebFrameEncoder::Message> WebFrameEncoder::Encode(int tab_id,
                                                        const FrameView& frame,
                                                        const WebRect& rect) {
  auto it = cache_.find(tab_id);
  if (it != cache_.end() && it->second.sequence == frame.sequence &&
      it->second.width == frame.width && it->second.height == frame.height &&
      it->second.rect == rect)
    return it->second.message;
  auto encoded = EncodeWebFrame(tab_id, frame, rect, &scratch_);
  if (!encoded.ok()) return encoded.error();
  ++encodings_;
  Cached cached{frame.sequence, frame.width, frame.height, rect,
                std::make_shared<const std::string>(std::move(encoded).value())};
  Message message = cached.message;
  cache_[tab_id] = std::move(cached);
  return message;
}

}  // namespace tabsim
