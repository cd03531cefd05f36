#include "baselines/avif.h"

#include <avif/avif.h>

#include <cstring>
#include <memory>
#include <stdexcept>
#include <vector>

#include "data/images.h"

namespace vlae {

namespace {
// Colour: YUV 4:4:4, full range; lossless (quantizer 0) with the identity matrix (GBR), the only
// way AV1 keeps RGB exactly, else BT.601 (avifenc's defaults for RGB input).
avifMatrixCoefficients colour_matrix(int quantizer) {
  return quantizer == kAvifLosslessQuantizer ? AVIF_MATRIX_COEFFICIENTS_IDENTITY : AVIF_MATRIX_COEFFICIENTS_BT601;
}
}  // namespace

std::string avif_encode(const uint8_t* px, int64_t c, int64_t h, int64_t w, int quantizer, int speed, int threads) {
  std::unique_ptr<avifImage, decltype(&avifImageDestroy)> image(
      avifImageCreate(static_cast<uint32_t>(w), static_cast<uint32_t>(h), 8,
                      c == 1 ? AVIF_PIXEL_FORMAT_YUV400 : AVIF_PIXEL_FORMAT_YUV444),
      avifImageDestroy);
  if (!image) throw std::runtime_error("libavif: no image");
  image->yuvRange = AVIF_RANGE_FULL;  // levels as they are, no studio-range squeeze
  if (c == 1) {
    if (avifImageAllocatePlanes(image.get(), AVIF_PLANES_YUV) != AVIF_RESULT_OK)
      throw std::runtime_error("libavif: planes");
    for (int64_t r = 0; r < h; ++r)
      std::memcpy(image->yuvPlanes[AVIF_CHAN_Y] + r * image->yuvRowBytes[AVIF_CHAN_Y], px + r * w,
                  static_cast<size_t>(w));
  } else {
    image->matrixCoefficients = colour_matrix(quantizer);
    std::vector<uint8_t> inter;
    const uint8_t* rgb_px = interleaved(px, 3, h * w, inter);
    avifRGBImage rgb;
    avifRGBImageSetDefaults(&rgb, image.get());
    rgb.format = AVIF_RGB_FORMAT_RGB;
    rgb.pixels = const_cast<uint8_t*>(rgb_px);
    rgb.rowBytes = static_cast<uint32_t>(3 * w);
    if (avifImageRGBToYUV(image.get(), &rgb) != AVIF_RESULT_OK) throw std::runtime_error("libavif: RGB to YUV");
  }
  std::unique_ptr<avifEncoder, decltype(&avifEncoderDestroy)> enc(avifEncoderCreate(), avifEncoderDestroy);
  if (!enc) throw std::runtime_error("libavif: no encoder");
  enc->maxThreads = threads;  // 1 where callers run images side by side
  enc->speed = speed;
  enc->minQuantizer = enc->maxQuantizer = quantizer;
  avifRWData out = AVIF_DATA_EMPTY;
  const avifResult r = avifEncoderWrite(enc.get(), image.get(), &out);
  if (r != AVIF_RESULT_OK) {
    avifRWDataFree(&out);
    throw std::runtime_error(std::string("libavif: encode failed: ") + avifResultToString(r));
  }
  std::string file(reinterpret_cast<const char*>(out.data), out.size);
  avifRWDataFree(&out);
  return file;
}

std::vector<uint8_t> avif_decode(const std::string& file, int64_t c, int64_t h, int64_t w) {
  std::unique_ptr<avifDecoder, decltype(&avifDecoderDestroy)> dec(avifDecoderCreate(), avifDecoderDestroy);
  std::unique_ptr<avifImage, decltype(&avifImageDestroy)> image(avifImageCreateEmpty(), avifImageDestroy);
  if (!dec || !image) throw std::runtime_error("libavif: no decoder");
  dec->maxThreads = 1;
  if (avifDecoderReadMemory(dec.get(), image.get(), reinterpret_cast<const uint8_t*>(file.data()), file.size()) !=
          AVIF_RESULT_OK ||
      image->width != w || image->height != h || image->depth != 8)
    throw std::runtime_error("libavif: decode failed");
  std::vector<uint8_t> out(static_cast<size_t>(c * h * w));
  if (c == 1) {
    for (int64_t r = 0; r < h; ++r)
      std::memcpy(out.data() + r * w, image->yuvPlanes[AVIF_CHAN_Y] + r * image->yuvRowBytes[AVIF_CHAN_Y],
                  static_cast<size_t>(w));
    return out;
  }
  std::vector<uint8_t> inter(out.size());
  avifRGBImage rgb;
  avifRGBImageSetDefaults(&rgb, image.get());
  rgb.format = AVIF_RGB_FORMAT_RGB;
  rgb.depth = 8;
  rgb.pixels = inter.data();
  rgb.rowBytes = static_cast<uint32_t>(3 * w);
  if (avifImageYUVToRGB(image.get(), &rgb) != AVIF_RESULT_OK) throw std::runtime_error("libavif: YUV to RGB");
  interleaved_to_planar(inter.data(), 3, h * w, out.data());
  return out;
}

size_t avif_roundtrip(const uint8_t* px, int64_t c, int64_t h, int64_t w, int quantizer, std::vector<uint8_t>* decoded,
                      int speed, int threads) {
  const std::string file = avif_encode(px, c, h, w, quantizer, speed, threads);
  *decoded = avif_decode(file, c, h, w);
  return file.size();
}

}  // namespace vlae
