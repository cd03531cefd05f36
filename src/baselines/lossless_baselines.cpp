#include "baselines/lossless_baselines.h"

#include <ATen/Parallel.h>
#include <bzlib.h>
#include <lzma.h>
#include <png.h>
#include <webp/encode.h>
#include <zlib.h>

#include <atomic>
#include <cmath>
#include <cstring>
#include <stdexcept>
#include <vector>

#include "baselines/atlas.h"
#include "baselines/avif.h"
#include "baselines/jbig.h"
#include "baselines/jpegxl.h"
#include "data/png.h"
#include "util/progress.h"

namespace vlae {

std::string gzip9(const std::string& in) {
  z_stream s{};
  if (deflateInit2(&s, 9, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY) != Z_OK) throw std::runtime_error("zlib init");
  std::string out(deflateBound(&s, in.size()) + 32, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  s.avail_in = static_cast<uInt>(in.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  if (deflate(&s, Z_FINISH) != Z_STREAM_END) throw std::runtime_error("zlib deflate");
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

std::string bzip2_9(const std::string& in) {
  unsigned int len = static_cast<unsigned int>(in.size() + in.size() / 100 + 600);
  std::string out(len, '\0');
  if (BZ2_bzBuffToBuffCompress(out.data(), &len, const_cast<char*>(in.data()), static_cast<unsigned>(in.size()), 9, 0,
                               0) != BZ_OK)
    throw std::runtime_error("bzip2");
  out.resize(len);
  return out;
}

std::string xz9e(const std::string& in) {
  std::string out(lzma_stream_buffer_bound(in.size()), '\0');
  size_t pos = 0;
  if (lzma_easy_buffer_encode(9 | LZMA_PRESET_EXTREME, LZMA_CHECK_CRC64, nullptr,
                              reinterpret_cast<const uint8_t*>(in.data()), in.size(),
                              reinterpret_cast<uint8_t*>(out.data()), &pos, out.size()) != LZMA_OK)
    throw std::runtime_error("xz");
  out.resize(pos);
  return out;
}

std::string pack_bits(const uint8_t* px, int64_t n) {
  std::string out(static_cast<size_t>((n + 7) / 8), '\0');
  for (int64_t i = 0; i < n; ++i)
    if (px[i]) out[i / 8] = static_cast<char>(out[i / 8] | (0x80 >> (i % 8)));
  return out;
}

namespace {
uint64_t idat_payload(const std::string& png) {
  uint64_t total = 0;
  for (size_t pos = 8; pos + 12 <= png.size();) {
    const auto* p = reinterpret_cast<const unsigned char*>(png.data() + pos);
    const uint32_t len = (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | p[3];
    if (std::memcmp(p + 4, "IDAT", 4) == 0) total += len;
    pos += 12 + len;
  }
  return total;
}
}  // namespace

std::string png_best(const uint8_t* px, int64_t c, int64_t h, int64_t w, bool binary, uint64_t* idat_bytes) {
  // Best compression: level 9 with each filter choice, keep the smallest file.
  std::string best;
  for (int f : {PNG_FILTER_NONE, PNG_FILTER_SUB, PNG_FILTER_UP, PNG_FILTER_AVG, PNG_FILTER_PAETH, PNG_ALL_FILTERS}) {
    std::string s = encode_png(px, c, h, w, binary, f);
    if (best.empty() || s.size() < best.size()) best = std::move(s);
  }
  if (idat_bytes) *idat_bytes = idat_payload(best);
  return best;
}

std::string webp_lossless(const uint8_t* px, int64_t c, int64_t h, int64_t w) {
  WebPConfig config;
  if (!WebPConfigInit(&config) || !WebPConfigLosslessPreset(&config, 9)) throw std::runtime_error("webp config");
  config.exact = 1;
  WebPPicture pic;
  if (!WebPPictureInit(&pic)) throw std::runtime_error("webp picture");
  pic.use_argb = 1;
  pic.width = static_cast<int>(w);
  pic.height = static_cast<int>(h);
  std::vector<uint8_t> rgb(static_cast<size_t>(h * w * 3));
  if (c == 3)
    planar_to_interleaved(px, 3, h * w, rgb.data());
  else
    for (int64_t i = 0; i < h * w; ++i) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = px[i];
  WebPMemoryWriter writer;
  WebPMemoryWriterInit(&writer);
  pic.writer = WebPMemoryWrite;
  pic.custom_ptr = &writer;
  const bool ok = WebPPictureImportRGB(&pic, rgb.data(), static_cast<int>(w * 3)) && WebPEncode(&config, &pic);
  std::string out(reinterpret_cast<const char*>(writer.mem), writer.size);
  WebPPictureFree(&pic);
  WebPMemoryWriterClear(&writer);
  if (!ok) throw std::runtime_error("webp encode");
  return out;
}

std::map<std::string, CodecSize> lossless_baselines(const Images& x, bool progress, const LosslessBaselineOptions& options) {
  const int64_t n = x.count, d = x.dims(), c = x.channels;
  const double dims = static_cast<double>(n * d);
  std::map<std::string, CodecSize> out;
  auto record = [&](const std::string& name, uint64_t bytes) { out[name] = {bytes, 8.0 * bytes / dims}; };

  // What generic compressors see: packed bits for binary data, raw bytes otherwise.
  std::vector<std::string> per_image(n);
  for (int64_t i = 0; i < n; ++i)
    per_image[i] = x.binary ? pack_bits(x.image(i), d) : std::string(reinterpret_cast<const char*>(x.image(i)), d);
  std::string stream;
  for (const auto& s : per_image) stream += s;
  Progress bar("baselines", 4 * n);
  std::atomic<int64_t> done{0};
  record("gzip", gzip9(stream).size());
  record("bzip2", bzip2_9(stream).size());
  record("xz", xz9e(stream).size());

  // Display levels for the image codecs: binary images as 0/255.
  std::vector<uint8_t> levels(x.pixels.size());
  for (size_t i = 0; i < levels.size(); ++i) levels[i] = x.binary ? (x.pixels[i] ? 255 : 0) : x.pixels[i];
  std::vector<uint64_t> gz(n), bz(n), xz(n), png(n), idat(n), webp(n), jxl(n), avif(n), jbig(n);
  at::parallel_for(0, n, 16, [&](int64_t b, int64_t e) {
    for (int64_t i = b; i < e; ++i) {
      gz[i] = gzip9(per_image[i]).size();
      bz[i] = bzip2_9(per_image[i]).size();
      xz[i] = xz9e(per_image[i]).size();
      png[i] = png_best(x.image(i), c, x.height, x.width, x.binary, &idat[i]).size();
      webp[i] = webp_lossless(levels.data() + i * d, c, x.height, x.width).size();
      if (options.strongest) {
        jxl[i] = jpegxl_lossless(levels.data() + i * d, c, x.height, x.width).size();
        avif[i] =
            avif_encode(levels.data() + i * d, c, x.height, x.width, kAvifLosslessQuantizer, options.avif_speed).size();
        if (x.binary) jbig[i] = jbig_encode(x.image(i), x.height, x.width).size();
      }
      const int64_t now = done.fetch_add(4) + 4;
      if (progress && at::get_thread_num() == 0) bar.update(now);
    }
  });
  auto sum = [](const std::vector<uint64_t>& v) {
    uint64_t s = 0;
    for (auto b : v) s += b;
    return s;
  };
  record("gzip_per_image", sum(gz));
  record("bzip2_per_image", sum(bz));
  record("xz_per_image", sum(xz));
  record("png", sum(png));
  record("png_idat", sum(idat));
  record("webp_lossless", sum(webp));
  if (options.strongest) {
    record("jpegxl", sum(jxl));
    record("avif", sum(avif));
    if (x.binary) record("jbig", sum(jbig));
  }

  // Atlas: all images tiled on a grid, one file.
  const Atlas atlas = make_atlas(x, x.pixels), shown = make_atlas(x, levels);
  const int64_t ah = atlas.height, aw = atlas.width;
  uint64_t atlas_idat = 0;
  record("png_atlas", png_best(atlas.pixels.data(), c, ah, aw, x.binary, &atlas_idat).size());
  record("png_atlas_idat", atlas_idat);
  if (aw <= 16383 && ah <= 16383) record("webp_lossless_atlas", webp_lossless(shown.pixels.data(), c, ah, aw).size());
  if (options.strongest) {
    record("jpegxl_atlas", jpegxl_lossless(shown.pixels.data(), c, ah, aw).size());
    record("avif_atlas", avif_encode(shown.pixels.data(), c, ah, aw, kAvifLosslessQuantizer, options.avif_speed).size());
    if (x.binary) record("jbig_atlas", jbig_encode(atlas.pixels.data(), ah, aw).size());
  }
  if (progress) bar.finish();
  return out;
}

}  // namespace vlae
