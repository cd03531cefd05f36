// The classical codecs vlae is measured against: each lossless one decodes back to the very pixels,
// each lossy one trades rate for distortion, and `vlae baselines` reports every codec by name.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "baselines/avif.h"
#include "baselines/jbig.h"
#include "baselines/jpegxl.h"
#include "baselines/lossless_baselines.h"
#include "helpers.h"
#include "util/atomic_file.h"

using namespace vlae;

TEST(Baselines, JpegXlAvifAndJbigLosslessDecodeToThePixels) {
  const Images x = test::fashion(2);
  const uint8_t* px = x.image(0);
  EXPECT_EQ(jpegxl_decode(jpegxl_lossless(px, 1, 28, 28), 1, 28, 28), std::vector<uint8_t>(px, px + 784));
  EXPECT_EQ(avif_decode(avif_encode(px, 1, 28, 28, kAvifLosslessQuantizer), 1, 28, 28), std::vector<uint8_t>(px, px + 784));
  const Images b = test::fashion(2, true);
  const std::string jbg = jbig_encode(b.image(1), 28, 28);
  EXPECT_EQ(jbig_decode(jbg, 28, 28), std::vector<uint8_t>(b.image(1), b.image(1) + 784));
  // A size that is not a multiple of 8 in either direction.
  const std::vector<uint8_t> odd(13 * 21, 1);
  EXPECT_EQ(jbig_decode(jbig_encode(odd.data(), 13, 21), 13, 21), odd);
}

TEST(Baselines, JpegXlAndAvifLossyTradeRateForDistortion) {
  const Images x = test::fashion(1);
  std::vector<uint8_t> fine, coarse;
  const size_t jxl_fine = jpegxl_roundtrip(x.image(0), 1, 28, 28, 2, &fine);
  const size_t jxl_coarse = jpegxl_roundtrip(x.image(0), 1, 28, 28, 20, &coarse);
  EXPECT_LT(jxl_coarse, jxl_fine);
  auto sq = [&](const std::vector<uint8_t>& d) {
    double s = 0;
    for (int j = 0; j < 784; ++j) s += (double(d[j]) - x.image(0)[j]) * (double(d[j]) - x.image(0)[j]);
    return s;
  };
  EXPECT_LT(sq(fine), sq(coarse));
  const size_t avif_fine = avif_roundtrip(x.image(0), 1, 28, 28, 30, &fine, 8);
  const size_t avif_coarse = avif_roundtrip(x.image(0), 1, 28, 28, 63, &coarse, 8);
  EXPECT_LT(avif_coarse, avif_fine);
  EXPECT_LT(sq(fine), sq(coarse));
}

TEST(Baselines, CommandReportsTheStrongestCodecsByName) {
  const std::string dir = test::temp_dir("baselines");
  const auto r = test::run_cli("baselines --data mnist --binarize static --limit 12 --json " + dir + "/b.json");
  ASSERT_EQ(r.code, 0) << r.output;
  const auto j = nlohmann::json::parse(read_file(dir + "/b.json"));
  for (const char* name : {"jpegxl", "jpegxl_atlas", "avif", "avif_atlas", "jbig", "jbig_atlas", "png", "xz"})
    EXPECT_TRUE(j["codecs"].contains(name)) << name;
  // On binary digits JBIG, the codec made for them, beats PNG.
  EXPECT_LT(j["codecs"]["jbig_atlas"]["bytes"].get<int>(), j["codecs"]["png_atlas"]["bytes"].get<int>());
}
