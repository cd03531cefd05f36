// Colour and any-size pictures: loaders (RGB PNG, CIFAR-10's binary files, 4-D IDX, photos32),
// tiles, colour models, colour and tiled files, colour baselines.
#include <gtest/gtest.h>
#include <png.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "baselines/avif.h"
#include "baselines/jpegxl.h"
#include "baselines/lossless_baselines.h"
#include "coding/container.h"
#include "coding/lossless.h"
#include "coding/lossy.h"
#include "coding/lossy_rec.h"
#include "data/cifar10.h"
#include "data/dataset.h"
#include "data/idx.h"
#include "data/photos32.h"
#include "data/png.h"
#include "data/tiles.h"
#include "eval/image_quality.h"
#include "model/pixelcnn.h"
#include "model/vae.h"
#include "helpers.h"
#include "train/trainer.h"
#include "util/atomic_file.h"
#include "util/error.h"
#include "util/hash.h"

using namespace vlae;
namespace fs = std::filesystem;

namespace {

using test::pictures;

// A tiny colour run trained on photos32 (once per process and architecture).
std::string colour_run(const std::string& arch) {
  static std::map<std::string, std::string> made;
  auto& dir = made[arch];
  if (!dir.empty()) return dir;
  dir = test::temp_dir("colour-" + arch);
  RunConfig cfg;
  cfg.model.arch = arch;
  cfg.model.hidden = 64;
  cfg.model.channels = 8;
  cfg.model.latent_dim = 8;
  cfg.train.data.data = "photos32";
  cfg.train.data.limit = 400;
  cfg.train.epochs = 1;
  cfg.train.batch_size = 50;
  cfg.train.test_limit = 50;
  TrainOptions opt;
  opt.progress = false;
  train(dir, cfg, opt);
  return dir;
}

void write_rgba(const std::string& path, int w, int h, const std::vector<uint8_t>& rgba) {
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  img.width = w;
  img.height = h;
  img.format = PNG_FORMAT_RGBA;
  ASSERT_TRUE(png_image_write_to_file(&img, path.c_str(), 0, rgba.data(), 0, nullptr));
}

}  // namespace

TEST(Colour, RgbPngsComeBackExactlyAndMalformedOnesAreNamed) {
  const std::string dir = test::temp_dir("rgb-png");
  const Images x = pictures(3, 3, 5, 7);
  write_png_folder(dir + "/ok", x);
  const Images y = read_png_folder(dir + "/ok");
  EXPECT_EQ(y.channels, 3);
  EXPECT_EQ(y.pixels, x.pixels);
  // An opaque alpha channel is dropped; a transparent pixel is refused by name.
  std::vector<uint8_t> rgba(2 * 2 * 4, 255);
  rgba[0] = 10;
  write_rgba(dir + "/opaque.png", 2, 2, rgba);
  const Images o = read_png_file(dir + "/opaque.png");
  EXPECT_EQ(o.channels, 3);
  EXPECT_EQ(o.pixels[0], 10);
  rgba[7] = 128;
  write_rgba(dir + "/see-through.png", 2, 2, rgba);
  test::expect_input_error([&] { read_png_file(dir + "/see-through.png"); }, "see-through.png: PNG has transparent");
  // Gray and RGB in one folder: refused, naming the file.
  fs::create_directories(dir + "/mixed");
  test::write_bytes(dir + "/mixed/a.png", encode_png(x.image(0), 3, 5, 7));
  test::write_bytes(dir + "/mixed/b.png", encode_png(x.image(0), 1, 5, 7));
  test::expect_input_error([&] { read_png_folder(dir + "/mixed"); }, "b.png: 7x5 differs from the folder's first image (7x5 RGB");
  // Binarizing colour is refused.
  DataSpec s;
  s.data = dir + "/ok";
  s.split = "all";
  s.binarize = Binarize::Static;
  test::expect_input_error([&] { load_images(s); }, "for gray images");
}

TEST(Colour, Cifar10BinaryFiles) {
  const std::string dir = test::temp_dir("cifar");
  std::string all_train, test_file;
  const Images x = pictures(13, 3, 32, 32);
  for (int b = 1; b <= 5; ++b) {
    std::string f;
    for (int i = 0; i < 2; ++i) {
      const int64_t img = (b - 1) * 2 + i;
      f.push_back(static_cast<char>(img % 10));
      f.append(reinterpret_cast<const char*>(x.image(img)), 3072);
    }
    test::write_bytes(dir + "/data_batch_" + std::to_string(b) + ".bin", f);
  }
  for (int64_t img = 10; img < 13; ++img) {
    test_file.push_back(static_cast<char>(img % 10));
    test_file.append(reinterpret_cast<const char*>(x.image(img)), 3072);
  }
  test::write_bytes(dir + "/test_batch.bin", test_file);
  DataSpec s;
  s.data = "cifar10:" + dir;
  s.split = "train";
  const Images train = load_images(s);
  EXPECT_EQ(train.count, 10);
  EXPECT_EQ(train.channels, 3);
  EXPECT_EQ(std::vector<uint8_t>(train.pixels), std::vector<uint8_t>(x.pixels.begin(), x.pixels.begin() + 10 * 3072));
  s.split = "test";
  const Images t = load_images(s);
  EXPECT_EQ(t.count, 3);
  EXPECT_EQ(std::vector<uint8_t>(t.pixels), std::vector<uint8_t>(x.pixels.begin() + 10 * 3072, x.pixels.end()));
  // A length that is not whole records, a bad label, a missing file: one line naming the file.
  test::write_bytes(dir + "/test_batch.bin", test_file.substr(0, 3073 + 100));
  test::expect_input_error([&] { load_images(s); }, "test_batch.bin: 3173 bytes is not a whole number of 3073-byte");
  std::string bad = test_file;
  bad[3073] = 12;
  test::write_bytes(dir + "/test_batch.bin", bad);
  test::expect_input_error([&] { load_images(s); }, "test_batch.bin: record 1 has label 12");
  fs::remove(dir + "/test_batch.bin");
  test::expect_input_error([&] { load_images(s); }, "test_batch.bin: missing");
  s.data = "cifar10:" + dir + "/nowhere";
  test::expect_input_error([&] { load_images(s); }, "no such folder");
}

TEST(Colour, FourDimensionalIdxRoundTrip) {
  const std::string dir = test::temp_dir("idx4");
  const Images x = pictures(4, 3, 6, 9);
  write_idx_images(dir + "/c.idx", x);
  const Images y = read_idx_images(dir + "/c.idx");
  EXPECT_EQ(y.channels, 3);
  EXPECT_EQ(y.height, 6);
  EXPECT_EQ(y.width, 9);
  EXPECT_EQ(y.pixels, x.pixels);
}

TEST(Colour, TilesCoverAnySizeAndCropBack) {
  for (auto [h, w] : std::vector<std::pair<int64_t, int64_t>>{{28, 28}, {29, 57}, {5, 3}, {56, 30}, {1, 100}}) {
    const Images x = pictures(2, 3, h, w);
    const Images t = to_tiles(x, 28, 28);
    const TileGrid g = tile_grid(h, w, 28, 28);
    EXPECT_EQ(t.count, 2 * g.per_image());
    EXPECT_EQ(t.height, 28);
    EXPECT_EQ(from_tiles(t, 2, h, w).pixels, x.pixels) << h << "x" << w;
    // Padding repeats the last row and column.
    EXPECT_EQ(t.image(g.per_image() - 1)[t.dims() - 1], x.image(0)[x.dims() - 1]);
  }
}

TEST(Colour, Photos32SplitsBySourcePhotograph) {
  const Images train = vlae::test::split_of("photos32", "train"), test = vlae::test::split_of("photos32", "test");
  EXPECT_EQ(train.channels, 3);
  EXPECT_EQ(train.height, 32);
  EXPECT_EQ(train.count, 961 + 2 * 1350 + 961 + 3233);  // astronaut, motorcycles, ihc, hubble at stride 16
  EXPECT_EQ(test.count, 126 + 216 + 260);  // chelsea 14x9, coffee 18x12, rocket 20x13 patches
  std::set<uint64_t> seen;
  for (int64_t i = 0; i < train.count; ++i) seen.insert(fnv1a(train.image(i), 3072));
  int64_t shared = 0;
  for (int64_t i = 0; i < test.count; ++i) shared += seen.count(fnv1a(test.image(i), 3072));
  EXPECT_EQ(shared, 0);
}

class ColourFiles : public ::testing::TestWithParam<std::string> {};

// Lossless files of colour pictures decode exactly, at the model's size and tiled at others.
TEST_P(ColourFiles, LosslessRoundTripsAtAnySize) {
  LoadedRun run = load_run(colour_run(GetParam()));
  EXPECT_EQ(run.config.model.image_channels, 3);
  BitsBackConfig cfg;
  cfg.lanes = 2;
  for (auto [h, w] : std::vector<std::pair<int64_t, int64_t>>{{32, 32}, {45, 70}, {7, 9}}) {
    const Images x = pictures(3, 3, h, w);
    const std::string bytes = compress_lossless(run.model, x, cfg, nullptr, false);
    // Version 3, or 5 where a lane starts under p(x | z_median): both carry the channel count.
    EXPECT_TRUE(bytes[4] == kFormatVersionChannels || bytes[4] == kFormatVersionLaneStarts) << int(bytes[4]);
    EXPECT_EQ(parse_coded_file(bytes, "mem").channels, 3);
    const Images y = decompress_lossless(run.model, bytes, "mem", false);
    EXPECT_EQ(y.channels, 3);
    EXPECT_EQ(y.height, h);
    EXPECT_EQ(y.width, w);
    EXPECT_EQ(y.pixels, x.pixels) << h << "x" << w;
  }
  // Gray pictures and a gray model's files are refused by name.
  test::expect_input_error([&] { compress_lossless(run.model, pictures(1, 1, 32, 32), cfg, nullptr, false); },
                           "the model is for RGB images");
  LoadedRun gray = load_run(test::tiny_run(false));
  const std::string gray_file = compress_lossless(gray.model, test::fashion(2), cfg, nullptr, false);
  test::expect_input_error([&] { decompress_lossless(run.model, gray_file, "g.vlae", false, false); },
                           "g.vlae: gray images, but the model is for RGB images");
}

// Lossy files (grid and rec) of colour pictures of any size decode to what the report scored.
TEST_P(ColourFiles, LossyRoundTripsAtAnySize) {
  LoadedRun run = load_run(colour_run(GetParam()));
  DataSpec cal_spec;
  cal_spec.data = "photos32";
  cal_spec.split = "train";
  cal_spec.limit = 200;
  const Images cal = load_images(cal_spec);
  const LatentGrid grid = make_grid(posterior_widths(run.model, cal), 1.0);
  for (auto [h, w] : std::vector<std::pair<int64_t, int64_t>>{{32, 32}, {40, 75}}) {
    const Images x = pictures(2, 3, h, w);
    LossyReport r;
    const std::string bytes = compress_lossy(run.model, x, grid, &r);
    const Images y = decompress_lossy(run.model, bytes, "mem");
    ASSERT_EQ(y.height, h);
    ASSERT_EQ(y.width, w);
    ASSERT_EQ(y.channels, 3);
    LossyReport check;
    score_reconstructions(x, y, &check);
    EXPECT_NEAR(check.mse, r.mse, 1e-9 * r.mse);  // the decoder sees exactly what the report measured
    EXPECT_NEAR(check.ssim, r.ssim, 1e-12);
    EXPECT_EQ(r.images, 2);
    EXPECT_EQ(r.pixels, h * w);

    RecOptions o;
    RecReport rr;
    const std::string rec_bytes = compress_rec(run.model, x, cal, o, &rr);
    const Images z = decompress_rec(run.model, rec_bytes, "mem");
    ASSERT_EQ(z.height, h);
    score_reconstructions(x, z, &check);
    EXPECT_NEAR(check.mse, rr.lossy.mse, 1e-9 * rr.lossy.mse);
  }
}
INSTANTIATE_TEST_SUITE_P(MlpAndConv, ColourFiles, ::testing::Values("mlp", "conv"));

TEST(Colour, ContainerVersion3) {
  LoadedRun run = load_run(colour_run("mlp"));
  BitsBackConfig cfg;
  cfg.lanes = 1;
  Images x = pictures(2, 3, 32, 32);
  x.names = {"a/one.png", "two.png"};
  const std::string bytes = compress_lossless(run.model, x, cfg, nullptr, false);
  const CodedFile f = parse_coded_file(bytes, "mem");
  EXPECT_EQ(f.channels, 3);
  EXPECT_EQ(f.names, x.names);
  EXPECT_EQ(decompress_lossless(run.model, bytes, "mem", false).names, x.names);
  // Truncations are named, never decoded.
  for (size_t cut : {size_t(20), bytes.size() / 2, bytes.size() - 1})
    test::expect_input_error([&] { parse_coded_file(bytes.substr(0, cut), "cut.vlae"); }, "cut.vlae");
}

TEST(Colour, BaselinesCodeColourLosslessly) {
  const Images x = pictures(1, 3, 20, 24);
  const uint8_t* px = x.image(0);
  const std::vector<uint8_t> want(px, px + x.dims());
  EXPECT_EQ(jpegxl_decode(jpegxl_lossless(px, 3, 20, 24), 3, 20, 24), want);
  EXPECT_EQ(avif_decode(avif_encode(px, 3, 20, 24, kAvifLosslessQuantizer, 8), 3, 20, 24), want);
  const std::string dir = test::temp_dir("colour-baselines");
  test::write_bytes(dir + "/p.png", png_best(px, 3, 20, 24, false, nullptr));
  EXPECT_EQ(read_png_file(dir + "/p.png").pixels, want);
  // Lossy: finer settings give higher PSNR, in colour too.
  std::vector<uint8_t> fine, coarse;
  avif_roundtrip(px, 3, 20, 24, 10, &fine, 8);
  avif_roundtrip(px, 3, 20, 24, 60, &coarse, 8);
  auto mse = [&](const std::vector<uint8_t>& d) {
    double s = 0;
    for (size_t i = 0; i < d.size(); ++i) s += (double(d[i]) - want[i]) * (double(d[i]) - want[i]);
    return s / d.size();
  };
  EXPECT_LT(mse(fine), mse(coarse));
  const auto sizes = lossless_baselines(pictures(4, 3, 32, 32), false);
  EXPECT_GT(sizes.at("jpegxl").bits_per_dim, 0);
  EXPECT_GT(sizes.at("avif_atlas").bits_per_dim, 0);
}

TEST(Colour, CliTrainsCompressesAndRefusesByName) {
  const std::string dir = test::temp_dir("colour-cli");
  const std::string run = colour_run("mlp");
  // A photograph larger than the model: tiles, one file, the same pixels back.
  const std::string photo = skimage_data_dir() + "/chelsea.png";
  auto r = test::run_cli("compress --run " + run + " --data " + photo + " -o " + dir + "/cat.vlae --json " + dir + "/cat.json");
  ASSERT_EQ(r.code, 0) << r.output;
  r = test::run_cli("decompress --run " + run + " " + dir + "/cat.vlae -o " + dir + "/back/");
  ASSERT_EQ(r.code, 0) << r.output;
  EXPECT_EQ(read_png_file(dir + "/back/00000.png").pixels, read_png_file(photo).pixels);
  r = test::run_cli("compress --run " + run + " --lossy --data " + photo + " -o " + dir + "/catl.vlae --json " + dir +
                    "/catl.json --calibration 100");
  ASSERT_EQ(r.code, 0) << r.output;
  r = test::run_cli("decompress --run " + run + " " + dir + "/catl.vlae -o " + dir + "/backl");
  ASSERT_EQ(r.code, 0) << r.output;
  const Images recon = read_png_file(dir + "/backl/00000.png");
  EXPECT_EQ(recon.width, 451);
  EXPECT_EQ(recon.channels, 3);
  const auto j = nlohmann::json::parse(read_file(dir + "/catl.json"));
  LossyReport check;
  score_reconstructions(read_png_file(photo), recon, &check);
  EXPECT_NEAR(check.psnr_db, j.at("psnr_db").get<double>(), 1e-9);
  // Bad input: one line, exit 2.
  test::expect_usage_error("train --out " + dir + "/p --data photos32 --model pixelcnn --pixel-channels 2 --epochs 1 --limit 50",
                           "a colour PixelCNN needs at least 3");
  test::expect_usage_error("train --out " + dir + "/b --data photos32 --binarize dynamic --epochs 1", "for gray images");
  test::expect_usage_error("compress --run " + run + " --data mnist -o " + dir + "/x.vlae",
                           "the model is for RGB images");
}

namespace {
ModelConfig colour_pixel_config(const std::string& stack, bool gated, const std::string& context = "colour") {
  ModelConfig c;
  c.pixel_context = context;
  c.arch = "pixelcnn";
  c.image_channels = 3;
  c.height = c.width = 8;
  c.pixel_stack = stack;
  c.gated = gated;
  c.latent_dim = 4;
  c.hidden = 32;
  c.pixel_channels = 23;  // groups of 8, 8, 7: blocks need not be equal (and few units die)
  c.pixel_linear = stack == "vh" ? 5 : 0;  // the vh variants carry the linear predictor too
  return c;
}
}  // namespace

class ColourPixelCNN : public ::testing::TestWithParam<std::tuple<std::string, bool, std::string>> {};

// Sub-pixel (position p, colour g) depends only on earlier positions and, at p, on colours < g;
// with a gray context, on nothing at p.
TEST_P(ColourPixelCNN, ChannelMasksAreCausal) {
  const auto [stack, gated, context] = GetParam();
  torch::NoGradGuard no_grad;
  torch::manual_seed(4);
  const ModelConfig c = colour_pixel_config(stack, gated, context);
  PixelCNN net(c);
  for (auto& p : net->parameters()) p.normal_(0.0, 0.1);
  const int64_t hw = c.height * c.width;
  const auto z = torch::randn({1, c.latent_dim});
  const auto x = (torch::rand({1, c.dims()}) * 200).round();
  const auto base = net->forward(z, x);  // [1, 2, D]
  // By perturbation (the gray context's floor has no gradient): sub-pixel i moved by 40 levels
  // changes exactly the params it is allowed to reach.
  for (int64_t i = 0; i < c.dims(); ++i) {
    auto moved = x.clone();
    moved[0][i] += 40;
    const auto changed = ((net->forward(z, moved) - base).abs().amax(1) > 0).squeeze(0);  // [D]
    const int64_t qi = i % hw, gi = i / hw;
    for (const int64_t pos : {0L, 9L, 35L, 63L})
      for (int64_t g = 0; g < 3; ++g) {
        const bool allowed = qi < pos || (qi == pos && gi < g && context == "colour");
        const bool seen = changed[g * hw + pos].item<bool>();
        if (!allowed) EXPECT_FALSE(seen) << "(" << pos << "," << g << ") sees (" << qi << "," << gi << ")";
        if (qi == pos - 1 || (qi == pos && gi == g - 1 && context == "colour"))
          EXPECT_TRUE(seen) << "(" << pos << "," << g << ") misses (" << qi << "," << gi << ")";
      }
  }
}

TEST_P(ColourPixelCNN, SequentialPassMatchesTeacherForcing) {
  const auto [stack, gated, context] = GetParam();
  torch::NoGradGuard no_grad;
  torch::manual_seed(5);
  const ModelConfig c = colour_pixel_config(stack, gated, context);
  PixelCNN net(c);
  for (auto& p : net->parameters()) p.normal_(0.0, 0.2);
  const auto z = torch::randn({2, c.latent_dim});
  const auto x = (torch::rand({2, c.dims()}) * 255).round();
  const auto forced = net->forward(z, x);
  auto seq = torch::zeros_like(forced);
  auto xa = x.accessor<float, 2>();
  std::vector<int> seen(static_cast<size_t>(c.dims()), 0);
  net->autoregress(z, [&](int64_t j, const double* p, uint8_t* values) {
    ++seen[j];
    for (int64_t b = 0; b < 2; ++b) {
      seq[b][0][j] = p[b * 2];
      seq[b][1][j] = p[b * 2 + 1];
      values[b] = static_cast<uint8_t>(xa[b][j]);
    }
  });
  EXPECT_EQ(std::count(seen.begin(), seen.end(), 1), c.dims());
  EXPECT_LT((seq - forced).abs().max().item<float>(), 1e-4f);
}

// Bits-back files of a colour PixelCNN (and VLAE's local one) decode exactly: the engine's
// incremental steps give the teacher-forced params bit for bit.
TEST_P(ColourPixelCNN, LosslessRoundTrip) {
  const auto [stack, gated, context] = GetParam();
  torch::manual_seed(6);
  ModelConfig c = colour_pixel_config(stack, gated, context);
  VAE model(c);
  {
    torch::NoGradGuard g;
    for (auto& p : model->parameters()) p.mul_(1.5);
  }
  const Images x = pictures(3, 3, 8, 8);
  BitsBackConfig cfg;
  cfg.lanes = 2;
  LosslessReport rep;
  const std::string bytes = compress_lossless(model, x, cfg, &rep, false);
  EXPECT_EQ(decompress_lossless(model, bytes, "mem", false).pixels, x.pixels);
  const Images big = pictures(1, 3, 11, 19);  // tiled
  EXPECT_EQ(decompress_lossless(model, compress_lossless(model, big, cfg, nullptr, false), "mem", false).pixels,
            big.pixels);
}
INSTANTIATE_TEST_SUITE_P(Stacks, ColourPixelCNN,
                         ::testing::Combine(::testing::Values("single", "vh"), ::testing::Bool(),
                                            ::testing::Values("colour", "gray")));

TEST(Colour, PixelCNNPresetCoversTheImage) {
  ModelConfig c;
  c.arch = "pixelcnn";
  for (int64_t side : {28, 32, 64}) {
    c.height = c.width = side;
    PixelCNN net(c);
    EXPECT_GE(net->receptive_rows(), side - 1) << side;
  }
  c.height = c.width = 28;
  EXPECT_EQ(PixelCNN(c)->layers.size(), 9u);  // the preset models of 28x28 data keep their size
}
