#include "baselines/jpegxl.h"

#include <jxl/decode.h>
#include <jxl/encode.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "data/images.h"

namespace vlae {

namespace {

struct EncoderDeleter {
  void operator()(JxlEncoder* e) const { JxlEncoderDestroy(e); }
};
struct DecoderDeleter {
  void operator()(JxlDecoder* d) const { JxlDecoderDestroy(d); }
};

void check(JxlEncoderStatus s, const char* what) {
  if (s != JXL_ENC_SUCCESS) throw std::runtime_error(std::string("libjxl: ") + what + " failed");
}

// distance < 0: lossless. px: planar, c = 1 or 3 channels.
std::string encode(const uint8_t* planar, int64_t c, int64_t h, int64_t w, double distance) {
  std::vector<uint8_t> inter;
  const uint8_t* px = interleaved(planar, c, h * w, inter);
  std::unique_ptr<JxlEncoder, EncoderDeleter> enc(JxlEncoderCreate(nullptr));
  if (!enc) throw std::runtime_error("libjxl: no encoder");
  const bool lossless = distance <= 0;
  JxlBasicInfo info;
  JxlEncoderInitBasicInfo(&info);
  info.xsize = static_cast<uint32_t>(w);
  info.ysize = static_cast<uint32_t>(h);
  info.bits_per_sample = 8;
  info.num_color_channels = static_cast<uint32_t>(c);
  info.uses_original_profile = lossless ? JXL_TRUE : JXL_FALSE;
  check(JxlEncoderSetBasicInfo(enc.get(), &info), "basic info");
  JxlColorEncoding color;
  JxlColorEncodingSetToSRGB(&color, /*is_gray=*/c == 1 ? JXL_TRUE : JXL_FALSE);
  check(JxlEncoderSetColorEncoding(enc.get(), &color), "color encoding");
  JxlEncoderFrameSettings* fs = JxlEncoderFrameSettingsCreate(enc.get(), nullptr);
  check(JxlEncoderFrameSettingsSetOption(fs, JXL_ENC_FRAME_SETTING_EFFORT, lossless ? kJpegXlEffort : kJpegXlLossyEffort),
        "effort");
  if (lossless) {
    check(JxlEncoderSetFrameLossless(fs, JXL_TRUE), "lossless");
    // cjxl -E 3: up to 3 previous channels as context (a no-op on one gray channel). cjxl's -I 100
    // (learn the MA tree from every pixel) is not in libjxl 0.7's encoder API: it answers
    // "Unknown option", so the library runs its default share (docs/RESULTS.md measures both).
    check(JxlEncoderFrameSettingsSetOption(fs, JXL_ENC_FRAME_SETTING_MODULAR_NB_PREV_CHANNELS, 3), "-E");
  } else {
    check(JxlEncoderSetFrameDistance(fs, static_cast<float>(distance)), "distance");
  }
  const JxlPixelFormat format{static_cast<uint32_t>(c), JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
  check(JxlEncoderAddImageFrame(fs, &format, px, static_cast<size_t>(c * h * w)), "add frame");
  JxlEncoderCloseInput(enc.get());
  std::string out(4096, '\0');
  size_t used = 0;
  for (;;) {
    uint8_t* next = reinterpret_cast<uint8_t*>(out.data()) + used;
    size_t avail = out.size() - used;
    const JxlEncoderStatus s = JxlEncoderProcessOutput(enc.get(), &next, &avail);
    used = out.size() - avail;
    if (s == JXL_ENC_SUCCESS) break;
    if (s != JXL_ENC_NEED_MORE_OUTPUT) throw std::runtime_error("libjxl: encode failed");
    out.resize(out.size() * 2);
  }
  out.resize(used);
  return out;
}

}  // namespace

std::string jpegxl_lossless(const uint8_t* px, int64_t c, int64_t h, int64_t w) { return encode(px, c, h, w, -1.0); }

std::vector<uint8_t> jpegxl_decode(const std::string& file, int64_t c, int64_t h, int64_t w) {
  std::unique_ptr<JxlDecoder, DecoderDeleter> dec(JxlDecoderCreate(nullptr));
  if (!dec || JxlDecoderSubscribeEvents(dec.get(), JXL_DEC_FULL_IMAGE) != JXL_DEC_SUCCESS)
    throw std::runtime_error("libjxl: no decoder");
  if (JxlDecoderSetInput(dec.get(), reinterpret_cast<const uint8_t*>(file.data()), file.size()) != JXL_DEC_SUCCESS)
    throw std::runtime_error("libjxl: input");
  JxlDecoderCloseInput(dec.get());
  std::vector<uint8_t> out(static_cast<size_t>(c * h * w));
  const JxlPixelFormat format{static_cast<uint32_t>(c), JXL_TYPE_UINT8, JXL_NATIVE_ENDIAN, 0};
  for (;;) {
    const JxlDecoderStatus s = JxlDecoderProcessInput(dec.get());
    if (s == JXL_DEC_NEED_IMAGE_OUT_BUFFER) {
      size_t need = 0;
      if (JxlDecoderImageOutBufferSize(dec.get(), &format, &need) != JXL_DEC_SUCCESS || need != out.size() ||
          JxlDecoderSetImageOutBuffer(dec.get(), &format, out.data(), out.size()) != JXL_DEC_SUCCESS)
        throw std::runtime_error("libjxl: output buffer");
    } else if (s == JXL_DEC_FULL_IMAGE) {
      continue;
    } else if (s == JXL_DEC_SUCCESS) {
      if (c == 1) return out;
      std::vector<uint8_t> planar(out.size());
      interleaved_to_planar(out.data(), c, h * w, planar.data());
      return planar;
    } else {
      throw std::runtime_error("libjxl: decode failed");
    }
  }
}

size_t jpegxl_roundtrip(const uint8_t* px, int64_t c, int64_t h, int64_t w, double distance,
                        std::vector<uint8_t>* decoded) {
  const std::string file = encode(px, c, h, w, distance);
  *decoded = jpegxl_decode(file, c, h, w);
  return file.size();
}

}  // namespace vlae
