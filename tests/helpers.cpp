#include "helpers.h"

#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <algorithm>
#include <cmath>
#include <map>
#include <tuple>

#include <gtest/gtest.h>

#include "train/trainer.h"
#include "util/error.h"

namespace fs = std::filesystem;

namespace vlae::test {

std::string temp_dir(const std::string& name) {
  const fs::path p = fs::temp_directory_path() / ("vlae-test-" + std::to_string(::getpid())) / name;
  fs::remove_all(p);
  fs::create_directories(p);
  return p.string();
}

Images fashion(int64_t n, bool binary, const std::string& split) {
  DataSpec s;
  s.data = "fashion-mnist";
  s.split = split;
  s.limit = n;
  s.binarize = binary ? Binarize::Static : Binarize::None;
  return load_images(s);
}

Images pictures(int64_t n, int64_t c, int64_t h, int64_t w, uint64_t seed) {
  Images x;
  x.count = n;
  x.channels = c;
  x.height = h;
  x.width = w;
  x.pixels.resize(static_cast<size_t>(n * c * h * w));
  uint64_t s = seed;
  for (auto& v : x.pixels) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    v = static_cast<uint8_t>(s >> 56);
  }
  for (int64_t i = 0; i < n; ++i)
    for (int64_t k = 0; k < c; ++k)
      for (int64_t y = 0; y < h; ++y)
        for (int64_t q = 0; q < w; ++q) {
          uint8_t& v = x.image(i)[(k * h + y) * w + q];
          v = static_cast<uint8_t>((v / 8 + 40 * k + 3 * y + 5 * q + 17 * i) % 256);
        }
  return x;
}

Images split_of(const std::string& data, const std::string& split) {
  DataSpec s;
  s.data = data;
  s.split = split;
  return load_images(s);
}

std::string tiny_run(bool binary, int64_t epochs, Likelihood eight_bit) {
  static std::map<std::tuple<bool, int64_t, Likelihood>, std::string> made;
  auto& dir = made[{binary, epochs, eight_bit}];
  if (!dir.empty()) return dir;
  dir = temp_dir(std::string("tiny-") + (binary ? "bin" : to_string(eight_bit)) + "-" + std::to_string(epochs));
  RunConfig cfg;
  cfg.model.likelihood = eight_bit;
  cfg.model.hidden = 64;
  cfg.model.latent_dim = 8;
  cfg.train.data.data = "fashion-mnist";
  cfg.train.data.limit = 1000;
  cfg.train.data.binarize = binary ? Binarize::Static : Binarize::None;
  cfg.train.epochs = epochs;
  cfg.train.batch_size = 50;
  cfg.train.test_limit = 200;
  TrainOptions opt;
  opt.progress = false;
  train(dir, cfg, opt);
  return dir;
}

CliResult run_cli(const std::string& args) {
  const std::string cmd = std::string(VLAE_BINARY) + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  CliResult r{-1, ""};
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.output.append(buf, n);
  const int status = pclose(p);
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

void write_bytes(const std::string& path, const std::string& bytes) {
  const auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent);
  std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

void expect_input_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    ADD_FAILURE() << "expected InputError containing '" << fragment << "'";
  } catch (const InputError& e) {
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

void expect_usage_error(const std::string& args, const std::string& fragment, bool one_line) {
  const auto r = run_cli(args);
  EXPECT_EQ(r.code, 2) << args << "\n" << r.output;
  EXPECT_NE(r.output.find(fragment), std::string::npos) << args << "\n" << r.output;
  if (one_line) EXPECT_EQ(std::count(r.output.begin(), r.output.end(), '\n'), 1) << args << "\n" << r.output;
}

void expect_samples_of_posterior(std::vector<std::vector<double>> z, const std::vector<double>& mean,
                                 const std::vector<double>& sd) {
  ASSERT_EQ(z.size(), mean.size());
  for (size_t j = 0; j < mean.size(); ++j) {
    const int runs = static_cast<int>(z[j].size());
    double m = 0, v = 0;
    for (double x : z[j]) m += x;
    m /= runs;
    for (double x : z[j]) v += (x - m) * (x - m);
    v /= runs - 1;
    EXPECT_NEAR(m, mean[j], 4 * sd[j] / std::sqrt(runs)) << j;
    EXPECT_NEAR(v / (sd[j] * sd[j]), 1.0, 0.1) << j;
    std::sort(z[j].begin(), z[j].end());
    double ks = 0;
    for (int i = 0; i < runs; ++i) {
      const double f = 0.5 * std::erfc(-(z[j][i] - mean[j]) / sd[j] / std::sqrt(2.0));
      ks = std::max({ks, std::abs(f - double(i) / runs), std::abs(f - double(i + 1) / runs)});
    }
    EXPECT_LT(ks, 1.63 / std::sqrt(runs)) << j;  // the KS test at the 1% level
  }
}

}  // namespace vlae::test
