// Lossless coding with z sent by relative-entropy coding (coding/lossless_rec.h): exact round
// trips for factorized and PixelCNN decoders, tiles and names, its cost against the model's terms,
// and bad files and flags behaving as for the other codecs.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>

#include "coding/decompress.h"
#include "coding/lossless.h"
#include "coding/lossless_rec.h"
#include "helpers.h"
#include "util/error.h"

using namespace vlae;

namespace {
std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}
// n pictures of c x h x w with texture, so the decoders' params matter.
Images pictures(int64_t n, int64_t c, int64_t h, int64_t w) {
  Images x;
  x.count = n;
  x.channels = c;
  x.height = h;
  x.width = w;
  for (int64_t i = 0; i < n * c * h * w; ++i) x.pixels.push_back(static_cast<uint8_t>((i * 37 + i / 7) % 256));
  return x;
}
}  // namespace

TEST(LosslessRec, FilesDecodeExactlyAndCostTheModelsTermsPlusTheIndexOverhead) {
  LoadedRun run = load_run(test::tiny_run(false, 2));
  const Images x = test::fashion(40);
  const Images cal = test::fashion(200, false, "train");
  RecOptions o;
  o.seed = 3;
  BitsBackConfig cfg;
  cfg.lanes = 3;
  LosslessRecReport r;
  const std::string bytes = compress_lossless_rec(run.model, x, cal, o, cfg, &r, false);
  EXPECT_EQ(decompress_lossless_rec(run.model, bytes, "mem", false).pixels, x.pixels);
  EXPECT_EQ(decompress_file(run.model, bytes, "mem", false).pixels, x.pixels);  // the one dispatch
  // Deterministic: the same seed gives the same file, another seed another sample (and file).
  EXPECT_EQ(compress_lossless_rec(run.model, x, cal, o, cfg, nullptr, false), bytes);
  RecOptions o2 = o;
  o2.seed = 4;
  const std::string other_seed = compress_lossless_rec(run.model, x, cal, o2, cfg, nullptr, false);
  EXPECT_NE(other_seed, bytes);
  EXPECT_EQ(decompress_lossless_rec(run.model, other_seed, "mem", false).pixels, x.pixels);
  // The cost: the file is the ideal code plus the lanes' flushes and the header; the index code
  // pays at least the KL, less a few bits of slack per image (an exact PFR sample's index has
  // E[log n] >= KL), and not wildly more.
  const double file_bits = 8.0 * r.bytes, ideal = r.index_bits + r.x_bits;
  EXPECT_GE(file_bits, ideal);
  EXPECT_LE(file_bits, ideal + 64.0 * cfg.lanes + 8.0 * 400);
  EXPECT_GT(r.kl_bits, 0);
  EXPECT_GE(r.index_bits, 0.9 * r.kl_bits);
  EXPECT_LE(r.index_bits, 2.0 * r.kl_bits + 10.0 * r.blocks * x.count);
  EXPECT_EQ(r.images, 40);
}

TEST(LosslessRec, PixelCNNDecodersTilesAndColour) {
  torch::manual_seed(5);
  ModelConfig c;
  c.arch = "pixelcnn";
  c.image_channels = 3;
  c.height = c.width = 8;
  c.pixel_stack = "vh";
  c.gated = true;
  c.latent_dim = 4;
  c.hidden = 32;
  c.pixel_channels = 12;
  VAE model(c);
  {
    torch::NoGradGuard g;
    for (auto& p : model->parameters()) p.mul_(2.0);  // posteriors away from the prior: blocks are sent
  }
  const Images x = pictures(4, 3, 8, 8);
  BitsBackConfig cfg;
  cfg.lanes = 2;
  LosslessRecReport r;
  const std::string bytes = compress_lossless_rec(model, x, x, RecOptions{}, cfg, &r, false);
  EXPECT_GT(r.blocks, 0);
  EXPECT_GT(r.index_bits, 0);
  EXPECT_EQ(decompress_lossless_rec(model, bytes, "mem", false).pixels, x.pixels);
  Images big = pictures(2, 3, 11, 19);  // coded as tiles of 8x8 and cropped back
  big.names = {"a/one.png", "b/c/two.png"};
  const Images back = decompress_lossless_rec(model, compress_lossless_rec(model, big, x, RecOptions{}, cfg, nullptr, false), "mem", false);
  EXPECT_EQ(back.pixels, big.pixels);
  EXPECT_EQ(back.height, 11);
  EXPECT_EQ(back.width, 19);
  EXPECT_EQ(back.names, big.names);
}

TEST(LosslessRec, BadFilesAndModelsAreInputErrors) {
  LoadedRun run = load_run(test::tiny_run(false, 2));
  const Images x = test::fashion(10);
  BitsBackConfig cfg;
  cfg.lanes = 2;
  const std::string bytes = compress_lossless_rec(run.model, x, x, RecOptions{}, cfg, nullptr, false);
  test::expect_input_error([&] { decompress_lossless_rec(run.model, bytes.substr(0, bytes.size() - 5), "cut", false); }, "cut");
  for (size_t at : {size_t(7), bytes.size() / 2, bytes.size() - 20}) {
    std::string flipped = bytes;
    flipped[at] ^= 0x10;
    test::expect_input_error([&] { decompress_file(run.model, flipped, "flipped", false); }, "flipped");
  }
  LoadedRun other = load_run(test::tiny_run(true, 2));
  test::expect_input_error([&] { decompress_file(other.model, bytes, "other", false); }, "other");
  // A bits-back file is not a rec file, and a model with a flow prior cannot draw rec candidates.
  const std::string bb = compress_lossless(run.model, x, cfg, nullptr, false);
  test::expect_input_error([&] { decompress_lossless_rec(run.model, bb, "bb", false); }, "not a lossless rec file");
  ModelConfig af = run.model->config;
  af.prior = "af";
  test::expect_input_error([&] { check_lossless_rec_model(af); }, "N(0, I) prior");
}

TEST(LosslessRec, Cli) {
  const std::string run = test::tiny_run(false, 2), dir = test::temp_dir("lossless-rec-cli");
  const auto c = test::run_cli("compress --run " + run + " --limit 12 --codec rec --calibration 100 -o " + dir +
                               "/r.vlae --json " + dir + "/r.json --threads 1");
  ASSERT_EQ(c.code, 0) << c.output;
  const nlohmann::json j = nlohmann::json::parse(slurp(dir + "/r.json"));
  EXPECT_EQ(j["codec"], "rec");
  EXPECT_EQ(j["images"], 12);
  EXPECT_GT(j["bits_per_dim"].get<double>(), 0.0);
  EXPECT_GT(j["index_bits_per_image"].get<double>(), 0.0);
  const auto d = test::run_cli("decompress --run " + run + " " + dir + "/r.vlae -o " + dir + "/r.idx --threads 1");
  ASSERT_EQ(d.code, 0) << d.output;
  const auto b = test::run_cli("compress --run " + run + " --limit 12 -o " + dir + "/b.vlae --json " + dir + "/b.json --threads 1");
  ASSERT_EQ(b.code, 0) << b.output;
  EXPECT_EQ(nlohmann::json::parse(slurp(dir + "/b.json"))["codec"], "bits-back");
  const auto db = test::run_cli("decompress --run " + run + " " + dir + "/b.vlae -o " + dir + "/b.idx --threads 1");
  ASSERT_EQ(db.code, 0) << db.output;
  EXPECT_EQ(slurp(dir + "/r.idx"), slurp(dir + "/b.idx"));  // both are the same test images
  // The binned scheme's file decodes to the same pixels.
  const auto n = test::run_cli("compress --run " + run + " --limit 12 --codec rec --rec-scheme binned --calibration 100 -o " +
                               dir + "/n.vlae --threads 1");
  ASSERT_EQ(n.code, 0) << n.output;
  const auto dn = test::run_cli("decompress --run " + run + " " + dir + "/n.vlae -o " + dir + "/n.idx --threads 1");
  ASSERT_EQ(dn.code, 0) << dn.output;
  EXPECT_EQ(slurp(dir + "/n.idx"), slurp(dir + "/b.idx"));
  test::expect_usage_error("compress --run " + run + " --limit 5 --codec rec --rec-scheme fast -o " + dir + "/g.vlae",
                           "--rec-scheme: expected binned, tree or plain");
  test::expect_usage_error("compress --run " + run + " --limit 5 --codec rec --rec-margin-nats -1 -o " + dir + "/g.vlae",
                           "--rec-margin-nats");
  test::expect_usage_error("compress --run " + run + " --limit 5 --codec grid -o " + dir + "/g.vlae",
                           "lossless, expected bits-back or rec");
  test::expect_usage_error("compress --run " + run + " --limit 5 --lossy --codec bits-back -o " + dir + "/g.vlae",
                           "with --lossy, expected grid or rec");
}
