#include "data/png.h"

#include <png.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include "util/atomic_file.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace vlae {

namespace {

Images decode_png(const std::string& path, const std::string& bytes) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, bytes.data(), bytes.size()))
    throw InputError(path + ": not a readable PNG (" + img.message + ")");
  // The simplified API would convert what it reads: refuse instead, so no pixel changes unseen.
  auto refuse = [&](const std::string& why) {
    png_image_free(&img);
    throw InputError(path + ": " + why);
  };
  if (img.format & PNG_FORMAT_FLAG_COLORMAP) refuse("palette PNG (vlae reads 8-bit gray or RGB; convert it first)");
  if (img.format & PNG_FORMAT_FLAG_LINEAR) refuse("16-bit PNG (vlae reads 8-bit gray or RGB; convert it first)");
  if (img.width > 4096 || img.height > 4096) refuse("PNG larger than 4096x4096");
  const bool colour = img.format & PNG_FORMAT_FLAG_COLOR, alpha = img.format & PNG_FORMAT_FLAG_ALPHA;
  const int64_t c = colour ? 3 : 1, stored = c + (alpha ? 1 : 0);
  img.format = colour ? (alpha ? PNG_FORMAT_RGBA : PNG_FORMAT_RGB) : (alpha ? PNG_FORMAT_GA : PNG_FORMAT_GRAY);
  std::vector<uint8_t> buf(PNG_IMAGE_SIZE(img));
  if (!png_image_finish_read(&img, nullptr, buf.data(), 0, nullptr))
    throw InputError(path + ": corrupt PNG (" + img.message + ")");
  Images out;
  out.count = 1;
  out.channels = c;
  out.height = img.height;
  out.width = img.width;
  const int64_t plane = out.plane();
  // An alpha channel is dropped only when every pixel is opaque, so nothing the file says is lost.
  std::vector<uint8_t> inter(static_cast<size_t>(plane * c));
  for (int64_t i = 0; i < plane; ++i) {
    if (alpha && buf[i * stored + c] != 255)
      throw InputError(path + ": PNG has transparent pixels (vlae reads opaque gray or RGB; flatten it first)");
    for (int64_t k = 0; k < c; ++k) inter[i * c + k] = buf[i * stored + k];
  }
  out.pixels.resize(inter.size());
  interleaved_to_planar(inter.data(), c, plane, out.pixels.data());
  return out;
}

}  // namespace

Images read_png_file(const std::string& path) { return decode_png(path, read_file(path)); }

Images read_png_folder(const std::string& dir) {
  if (!fs::is_directory(dir)) throw InputError(dir + ": no such directory");
  std::vector<std::string> names;  // relative to dir, '/'-separated
  std::error_code ec;
  for (auto it = fs::recursive_directory_iterator(dir, fs::directory_options::skip_permission_denied, ec);
       !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
    std::string ext = it->path().extension().string();
    std::transform(ext.begin(), ext.end(), ext.begin(), ::tolower);
    if (it->is_regular_file() && ext == ".png") names.push_back(fs::relative(it->path(), dir).generic_string());
  }
  if (ec) throw InputError(dir + ": cannot list the folder (" + ec.message() + ")");
  if (names.empty()) throw InputError(dir + ": folder has no .png files");
  std::sort(names.begin(), names.end());
  Images out;
  for (const auto& name : names) {
    const std::string f = (fs::path(dir) / name).string();
    Images one = read_png_file(f);
    if (out.count == 0) {
      out.height = one.height;
      out.width = one.width;
      out.channels = one.channels;
    } else if (one.height != out.height || one.width != out.width || one.channels != out.channels) {
      throw InputError(f + ": " + describe_size(one) + " differs from the folder's first image (" + describe_size(out) +
                       ", " + names.front() + "); a folder holds images of one size and one channel count");
    }
    out.pixels.insert(out.pixels.end(), one.pixels.begin(), one.pixels.end());
    out.names.push_back(name);
    ++out.count;
  }
  return out;
}

bool safe_relative_name(const std::string& name) {
  if (name.empty() || name.size() > 4096 || name.front() == '/' || name.find('\0') != std::string::npos) return false;
  for (const auto& part : fs::path(name))
    if (part == ".." || part == "." || part.empty()) return false;
  return name.back() != '/';
}

std::string encode_png(const uint8_t* pixels, int64_t channels, int64_t height, int64_t width, bool one_bit,
                       int filter) {
  if (channels != 1 && channels != 3) throw std::invalid_argument("encode_png: 1 or 3 channels");
  if (one_bit && channels != 1) throw std::invalid_argument("encode_png: one-bit images are gray");
  std::vector<uint8_t> inter;
  pixels = interleaved(pixels, channels, height * width, inter);
  std::string out;
  png_structp png = png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, nullptr);
  png_infop info = png_create_info_struct(png);
  const int64_t row_bytes = one_bit ? (width + 7) / 8 : width * channels;
  std::vector<uint8_t> row(static_cast<size_t>(row_bytes));
  if (setjmp(png_jmpbuf(png))) {
    png_destroy_write_struct(&png, &info);
    throw std::runtime_error("libpng failed to encode an image");
  }
  png_set_write_fn(
      png, &out,
      [](png_structp p, png_bytep data, png_size_t n) {
        static_cast<std::string*>(png_get_io_ptr(p))->append(reinterpret_cast<const char*>(data), n);
      },
      nullptr);
  png_set_IHDR(png, info, static_cast<png_uint_32>(width), static_cast<png_uint_32>(height), one_bit ? 1 : 8,
               channels == 3 ? PNG_COLOR_TYPE_RGB : PNG_COLOR_TYPE_GRAY, PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_set_compression_level(png, 9);
  png_set_compression_mem_level(png, 9);
  if (filter >= 0) png_set_filter(png, 0, filter);
  png_write_info(png, info);
  for (int64_t r = 0; r < height; ++r) {
    const uint8_t* src = pixels + r * width * channels;
    if (one_bit) {
      std::fill(row.begin(), row.end(), 0);
      for (int64_t i = 0; i < width; ++i)
        if (src[i]) row[i / 8] = static_cast<uint8_t>(row[i / 8] | (0x80 >> (i % 8)));
    } else {
      std::copy(src, src + row_bytes, row.begin());
    }
    png_write_row(png, row.data());
  }
  png_write_end(png, nullptr);
  png_destroy_write_struct(&png, &info);
  return out;
}

void write_png_folder(const std::string& dir, const Images& images) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !fs::is_directory(dir)) throw InputError(dir + ": cannot create the folder (" + ec.message() + ")");
  std::vector<uint8_t> buf(static_cast<size_t>(images.dims()));
  for (int64_t i = 0; i < images.count; ++i) {
    std::string name;
    if (!images.names.empty()) {
      name = images.names[i];
      if (!safe_relative_name(name)) throw InputError(dir + ": refusing to write outside the folder: '" + name + "'");
    } else {
      char n[32];
      std::snprintf(n, sizeof n, "%05ld.png", static_cast<long>(i));
      name = n;
    }
    const fs::path target = fs::path(dir) / name;
    fs::create_directories(target.parent_path(), ec);
    if (ec) throw InputError(target.parent_path().string() + ": cannot create the folder (" + ec.message() + ")");
    const uint8_t* px = images.image(i);
    for (int64_t j = 0; j < images.dims(); ++j) buf[j] = images.binary ? (px[j] ? 255 : 0) : px[j];
    write_file_atomic(target.string(), encode_png(buf.data(), images.channels, images.height, images.width));
  }
}

}  // namespace vlae
