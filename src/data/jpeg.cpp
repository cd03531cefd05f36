#include "data/jpeg.h"

#include <jpeglib.h>

#include <csetjmp>
#include <cstdio>

#include "util/atomic_file.h"
#include "util/error.h"

namespace vlae {

namespace {
struct JpegReadError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX] = {0};
};
void fail(j_common_ptr c) {
  auto* e = reinterpret_cast<JpegReadError*>(c->err);
  c->err->format_message(c, e->message);
  std::longjmp(e->jump, 1);
}
}  // namespace

Images read_jpeg_file(const std::string& path) {
  const std::string bytes = read_file(path);
  jpeg_decompress_struct d;
  JpegReadError err;
  d.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = fail;
  Images out;
  std::vector<uint8_t> inter;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&d);
    throw InputError(path + ": not a readable JPEG (" + err.message + ")");
  }
  jpeg_create_decompress(&d);
  jpeg_mem_src(&d, reinterpret_cast<const unsigned char*>(bytes.data()), static_cast<unsigned long>(bytes.size()));
  jpeg_read_header(&d, TRUE);
  if (d.image_width > 4096 || d.image_height > 4096) {
    jpeg_destroy_decompress(&d);
    throw InputError(path + ": JPEG larger than 4096x4096");
  }
  const bool gray = d.jpeg_color_space == JCS_GRAYSCALE;
  d.out_color_space = gray ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_start_decompress(&d);
  out.count = 1;
  out.channels = gray ? 1 : 3;
  out.height = d.output_height;
  out.width = d.output_width;
  inter.resize(static_cast<size_t>(out.dims()));
  while (d.output_scanline < d.output_height) {
    JSAMPROW row = inter.data() + static_cast<size_t>(d.output_scanline) * out.width * out.channels;
    jpeg_read_scanlines(&d, &row, 1);
  }
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
  out.pixels.resize(inter.size());
  interleaved_to_planar(inter.data(), out.channels, out.plane(), out.pixels.data());
  return out;
}

}  // namespace vlae
