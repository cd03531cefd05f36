#include "baselines/jbig.h"

// jbigkit's header declares C functions without extern "C".
extern "C" {
#include <jbig.h>
}

#include <stdexcept>

namespace vlae {

namespace {
void append(unsigned char* start, size_t len, void* file) {
  static_cast<std::string*>(file)->append(reinterpret_cast<const char*>(start), len);
}
}  // namespace

std::string jbig_encode(const uint8_t* px, int64_t h, int64_t w) {
  // One plane, rows packed MSB first and padded to whole bytes.
  const int64_t row_bytes = (w + 7) / 8;
  std::vector<unsigned char> plane(static_cast<size_t>(row_bytes * h), 0);
  for (int64_t r = 0; r < h; ++r)
    for (int64_t c = 0; c < w; ++c)
      if (px[r * w + c]) plane[r * row_bytes + c / 8] |= static_cast<unsigned char>(0x80 >> (c % 8));
  unsigned char* planes[1] = {plane.data()};
  std::string out;
  jbg_enc_state s;
  jbg_enc_init(&s, static_cast<unsigned long>(w), static_cast<unsigned long>(h), 1, planes, append, &out);
  jbg_enc_layers(&s, 0);  // pbmtojbg -q: a single resolution layer (sequential)
  jbg_enc_out(&s);
  jbg_enc_free(&s);
  return out;
}

std::vector<uint8_t> jbig_decode(const std::string& file, int64_t h, int64_t w) {
  jbg_dec_state s;
  jbg_dec_init(&s);
  size_t used = 0;
  const int r = jbg_dec_in(&s, reinterpret_cast<unsigned char*>(const_cast<char*>(file.data())), file.size(), &used);
  if (r != JBG_EOK || jbg_dec_getwidth(&s) != static_cast<unsigned long>(w) ||
      jbg_dec_getheight(&s) != static_cast<unsigned long>(h)) {
    jbg_dec_free(&s);
    throw std::runtime_error("jbig: decode failed");
  }
  const unsigned char* plane = jbg_dec_getimage(&s, 0);
  const int64_t row_bytes = (w + 7) / 8;
  std::vector<uint8_t> out(static_cast<size_t>(h * w));
  for (int64_t r2 = 0; r2 < h; ++r2)
    for (int64_t c = 0; c < w; ++c) out[r2 * w + c] = (plane[r2 * row_bytes + c / 8] >> (7 - c % 8)) & 1;
  jbg_dec_free(&s);
  return out;
}

}  // namespace vlae
