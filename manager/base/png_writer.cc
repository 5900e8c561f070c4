#include "manager/base/png_writer.h"

#include <png.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>

namespace tabsim {

Status WritePng(const std::string& path, const uint32_t* pixels, int width,
                int height) {
  if (width <= 0 || height <= 0 || pixels == nullptr)
    return Error{"write " + path + ": empty image", EINVAL};
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  image.width = static_cast<png_uint_32>(width);
  image.height = static_cast<png_uint_32>(height);
  image.format = PNG_FORMAT_BGRA;  // the bytes of 0xAARRGGBB on little-endian
  std::string temp = path + ".tmp." + std::to_string(::getpid());
  if (!png_image_write_to_file(&image, temp.c_str(), 0, pixels,
                               width * 4, nullptr)) {
    std::string message = image.message;
    png_image_free(&image);
    ::unlink(temp.c_str());
    return Error{"write " + path + ": " + message, EIO};
  }
  if (std::rename(temp.c_str(), path.c_str()) != 0) {
    Error error = Error::FromErrno("rename " + temp + " to " + path);
    ::unlink(temp.c_str());
    return error;
  }
  return Status::Ok();
}

Result<Image> ReadPng(const std::string& path) {
  png_image image;
  std::memset(&image, 0, sizeof(image));
  image.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_file(&image, path.c_str()))
    return Error{"read " + path + ": " + image.message, EIO};
  image.format = PNG_FORMAT_BGRA;
  Image result;
  result.width = int(image.width);
  result.height = int(image.height);
  result.pixels.resize(size_t(image.width) * image.height);
  if (!png_image_finish_read(&image, nullptr, result.pixels.data(),
                             int(image.width) * 4, nullptr)) {
    std::string message = image.message;
    png_image_free(&image);
    return Error{"read " + path + ": " + message, EIO};
  }
  return result;
}

}  // namespace tabsim
