#include "baselines/lossy_baselines.h"

#include <ATen/Parallel.h>
#include <webp/decode.h>
#include <webp/encode.h>

#include <csetjmp>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <stdexcept>

// jpeglib.h needs size_t and FILE declared first.
#include <jpeglib.h>

#include "baselines/atlas.h"
#include "baselines/avif.h"
#include "baselines/jpegxl.h"
#include "eval/image_quality.h"
#include "util/progress.h"

namespace vlae {

namespace {
struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
};
void jpeg_fail(j_common_ptr c) { std::longjmp(reinterpret_cast<JpegError*>(c->err)->jump, 1); }
}  // namespace

size_t jpeg_roundtrip(const uint8_t* planar, int64_t ch, int64_t h, int64_t w, int quality,
                      std::vector<uint8_t>* decoded) {
  std::vector<uint8_t> inter;
  const uint8_t* px = interleaved(planar, ch, h * w, inter);
  unsigned char* buf = nullptr;
  unsigned long size = 0;
  {
    jpeg_compress_struct c;
    JpegError err;
    c.err = jpeg_std_error(&err.mgr);
    err.mgr.error_exit = jpeg_fail;
    if (setjmp(err.jump)) {
      jpeg_destroy_compress(&c);
      std::free(buf);
      throw std::runtime_error("libjpeg: encode failed");
    }
    jpeg_create_compress(&c);
    jpeg_mem_dest(&c, &buf, &size);
    c.image_width = static_cast<JDIMENSION>(w);
    c.image_height = static_cast<JDIMENSION>(h);
    c.input_components = static_cast<int>(ch);
    c.in_color_space = ch == 3 ? JCS_RGB : JCS_GRAYSCALE;
    jpeg_set_defaults(&c);
    jpeg_set_quality(&c, quality, TRUE);
    c.optimize_coding = TRUE;
    jpeg_start_compress(&c, TRUE);
    while (c.next_scanline < c.image_height) {
      JSAMPROW row = const_cast<JSAMPROW>(px + c.next_scanline * w * ch);
      jpeg_write_scanlines(&c, &row, 1);
    }
    jpeg_finish_compress(&c);
    jpeg_destroy_compress(&c);
  }
  jpeg_decompress_struct d;
  JpegError err;
  d.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = jpeg_fail;
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&d);
    std::free(buf);
    throw std::runtime_error("libjpeg: decode failed");
  }
  jpeg_create_decompress(&d);
  jpeg_mem_src(&d, buf, size);
  jpeg_read_header(&d, TRUE);
  d.out_color_space = ch == 3 ? JCS_RGB : JCS_GRAYSCALE;
  jpeg_start_decompress(&d);
  std::vector<uint8_t> back(static_cast<size_t>(ch * h * w), 0);
  while (d.output_scanline < d.output_height) {
    JSAMPROW row = back.data() + d.output_scanline * w * ch;
    jpeg_read_scanlines(&d, &row, 1);
  }
  jpeg_finish_decompress(&d);
  jpeg_destroy_decompress(&d);
  std::free(buf);
  decoded->resize(back.size());
  interleaved_to_planar(back.data(), ch, h * w, decoded->data());
  return size;
}

size_t webp_roundtrip(const uint8_t* px, int64_t c, int64_t h, int64_t w, int quality,
                      std::vector<uint8_t>* decoded) {
  std::vector<uint8_t> rgb(static_cast<size_t>(h * w * 3));
  if (c == 3)
    planar_to_interleaved(px, 3, h * w, rgb.data());
  else
    for (int64_t i = 0; i < h * w; ++i) rgb[3 * i] = rgb[3 * i + 1] = rgb[3 * i + 2] = px[i];
  uint8_t* out = nullptr;
  const size_t size = WebPEncodeRGB(rgb.data(), static_cast<int>(w), static_cast<int>(h), static_cast<int>(w * 3),
                                    static_cast<float>(quality), &out);
  if (size == 0) throw std::runtime_error("libwebp: encode failed");
  int dw = 0, dh = 0;
  uint8_t* back = WebPDecodeRGB(out, size, &dw, &dh);
  WebPFree(out);
  if (!back || dw != w || dh != h) throw std::runtime_error("libwebp: decode failed");
  decoded->resize(static_cast<size_t>(c * h * w));
  if (c == 3) {
    interleaved_to_planar(back, 3, h * w, decoded->data());
    WebPFree(back);
    return size;
  }
  for (int64_t i = 0; i < h * w; ++i)  // luma of the decoded RGB (the input was gray)
    (*decoded)[i] = static_cast<uint8_t>(
        std::clamp(std::lround(0.299 * back[3 * i] + 0.587 * back[3 * i + 1] + 0.114 * back[3 * i + 2]), 0L, 255L));
  WebPFree(back);
  return size;
}

std::vector<LossyPoint> lossy_baselines(const Images& src, bool progress, const LossyBaselineOptions& options) {
  Images x = src;
  if (x.binary)
    for (auto& v : x.pixels) v = v ? 255 : 0;
  const std::vector<int> jpeg_q = {1, 2, 5, 10, 15, 20, 30, 40, 50, 60, 70, 80, 90, 95};
  const std::vector<int> webp_q = {0, 5, 10, 20, 30, 40, 50, 60, 70, 80, 90, 100};
  const int64_t n = x.count, d = x.dims(), ch = x.channels, px_per_image = x.plane();
  const Atlas atlas = make_atlas(x, x.pixels);
  const int64_t ah = atlas.height, aw = atlas.width;
  struct Job {
    std::string codec;
    int quality;
  };
  std::vector<Job> jobs;
  for (int q : jpeg_q) jobs.push_back({"jpeg", q});
  for (int q : webp_q) jobs.push_back({"webp", q});
  if (options.strongest) {
    for (int d : kJpegXlDistances) jobs.push_back({"jpegxl", d});
    for (int q : kAvifQuantizers) jobs.push_back({"avif", q});
  }
  using Roundtrip = std::function<size_t(const uint8_t*, int64_t, int64_t, int64_t, int, std::vector<uint8_t>*)>;
  const int avif_speed = options.avif_speed;
  // threads: the encoder's own, for the atlas (one large image); per-file encodes run side by side.
  auto roundtrip_of = [avif_speed](const std::string& codec, int threads) -> Roundtrip {
    if (codec == "jpeg") return jpeg_roundtrip;
    if (codec == "webp") return webp_roundtrip;
    if (codec == "jpegxl")
      return [](const uint8_t* px, int64_t c, int64_t h, int64_t w, int d, std::vector<uint8_t>* dec) {
        return jpegxl_roundtrip(px, c, h, w, d, dec);
      };
    return [avif_speed, threads](const uint8_t* px, int64_t c, int64_t h, int64_t w, int q, std::vector<uint8_t>* dec) {
      return avif_roundtrip(px, c, h, w, q, dec, avif_speed, threads);
    };
  };
  std::vector<LossyPoint> out(2 * jobs.size());
  Progress bar(options.strongest ? "jpeg/webp/jpegxl/avif" : "jpeg/webp", static_cast<int64_t>(jobs.size()),
               "setting");
  for (size_t k = 0; k < jobs.size(); ++k) {
    const auto& job = jobs[k];
    const Roundtrip roundtrip = roundtrip_of(job.codec, 1);
    // One file per image.
    std::vector<double> bytes(n), sq(n), ss(n);
    at::parallel_for(0, n, 32, [&](int64_t b, int64_t e) {
      std::vector<uint8_t> dec;
      for (int64_t i = b; i < e; ++i) {
        bytes[i] = static_cast<double>(roundtrip(x.image(i), ch, x.height, x.width, job.quality, &dec));
        double s = 0;
        for (int64_t j = 0; j < d; ++j) s += (double(dec[j]) - x.image(i)[j]) * (double(dec[j]) - x.image(i)[j]);
        sq[i] = s;
        ss[i] = ssim(x.image(i), dec.data(), ch, x.height, x.width);
      }
    });
    LossyPoint files{job.codec, "files", job.quality};
    for (int64_t i = 0; i < n; ++i) {
      files.bits_per_pixel += 8.0 * bytes[i];
      files.mse += sq[i];
      files.ssim += ss[i];
    }
    files.bits_per_pixel /= static_cast<double>(n * px_per_image);
    files.mse /= static_cast<double>(n * d);
    files.psnr_db = psnr_db(files.mse);
    files.ssim /= static_cast<double>(n);
    // One atlas: only the image cells count towards distortion.
    std::vector<uint8_t> dec;
    LossyPoint at{job.codec, "atlas", job.quality};
    at.bits_per_pixel = 8.0 *
                        static_cast<double>(roundtrip_of(job.codec, at::get_num_threads())(atlas.pixels.data(), ch, ah, aw,
                                                                                         job.quality, &dec)) /
                        static_cast<double>(n * px_per_image);
    std::vector<uint8_t> cell(static_cast<size_t>(d));
    for (int64_t i = 0; i < n; ++i) {
      atlas_cell(atlas, dec, x, i, cell.data());
      for (int64_t j = 0; j < d; ++j) at.mse += (double(cell[j]) - x.image(i)[j]) * (double(cell[j]) - x.image(i)[j]);
      at.ssim += ssim(x.image(i), cell.data(), ch, x.height, x.width);
    }
    at.mse /= static_cast<double>(n * d);
    at.psnr_db = psnr_db(at.mse);
    at.ssim /= static_cast<double>(n);
    out[2 * k] = files;
    out[2 * k + 1] = at;
    if (progress) bar.update(static_cast<int64_t>(k + 1));
  }
  if (progress) bar.finish();
  return out;
}

}  // namespace vlae
