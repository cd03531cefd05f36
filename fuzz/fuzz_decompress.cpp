// libFuzzer target: `vlae decompress` (lossless, lossy, relative-entropy and transform-coder files)
// on arbitrary bytes, under ASan/UBSan.
// The input is a file without its trailing checksum; the harness appends the right one and skips
// the model-fingerprint check, so mutations reach the header parser and the rANS decoder instead
// of stopping at the checksum. Every input must end in success or InputError: never a crash.
// With VLAE_FUZZ_WRITE_SEED=PATH set, it first writes valid seed inputs to PATH, PATH.lossy, PATH.rec
// and PATH.lrec (the default rec scheme, tree), PATH.brec (binned), PATH.prec (plain),
// PATH.transform and PATH.adapt (a lossless file carrying adapted parameters, format version 4).
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>

#include "coding/lossless.h"
#include "coding/lossless_rec.h"
#include "coding/lossy.h"
#include "coding/lossy_rec.h"
#include "coding/transform_codec.h"
#include "util/error.h"
#include "util/hash.h"

namespace {
vlae::VAE& model() {
  static vlae::VAE m = [] {
    torch::manual_seed(0);
    vlae::ModelConfig c;
    c.hidden = 16;
    c.latent_dim = 4;
    vlae::VAE v(c);
    v->eval();
    return v;
  }();
  return m;
}
// A GDN hyperprior transform coder (payload kind 4), untrained: its tables and scales are real.
vlae::VAE& transform_model() {
  static vlae::VAE m = [] {
    torch::manual_seed(0);
    vlae::ModelConfig c;
    c.arch = "hyperprior";
    c.likelihood = vlae::Likelihood::Gaussian;
    c.channels = 4;
    c.latent_dim = 3;
    c.gdn = true;
    vlae::VAE v(c);
    v->eval();
    return v;
  }();
  return m;
}
}  // namespace

extern "C" int LLVMFuzzerInitialize(int*, char***) {
  at::set_num_threads(1);
  if (const char* seed = std::getenv("VLAE_FUZZ_WRITE_SEED")) {
    vlae::Images x;
    x.count = 3;
    x.height = x.width = 28;
    for (int64_t i = 0; i < x.count * 784; ++i) x.pixels.push_back(static_cast<uint8_t>((i * 37) % 256));
    vlae::BitsBackConfig cfg;
    cfg.lanes = 2;
    const std::string bytes = vlae::compress_lossless(model(), x, cfg, nullptr, false);
    std::ofstream(seed, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size() - 8));
    const auto grid = vlae::make_grid(vlae::posterior_widths(model(), x), 0.5, 0.0);
    const std::string lossy = vlae::compress_lossy(model(), x, grid, nullptr);
    std::ofstream(std::string(seed) + ".lossy", std::ios::binary)
        .write(lossy.data(), static_cast<std::streamsize>(lossy.size() - 8));
    const std::string rec = vlae::compress_rec(model(), x, x, vlae::RecOptions{}, nullptr);
    std::ofstream(std::string(seed) + ".rec", std::ios::binary).write(rec.data(), static_cast<std::streamsize>(rec.size() - 8));
    const std::string lrec = vlae::compress_lossless_rec(model(), x, x, vlae::RecOptions{}, cfg, nullptr, false);
    std::ofstream(std::string(seed) + ".lrec", std::ios::binary).write(lrec.data(), static_cast<std::streamsize>(lrec.size() - 8));
    vlae::RecOptions binned;
    binned.scheme = vlae::rec::Scheme::Binned;
    binned.margin_nats = 0;
    binned.block_nats = vlae::rec::kDefaultBlockNats;
    const std::string brec = vlae::compress_rec(model(), x, x, binned, nullptr);
    std::ofstream(std::string(seed) + ".brec", std::ios::binary).write(brec.data(), static_cast<std::streamsize>(brec.size() - 8));
    vlae::RecOptions plain;
    plain.scheme = vlae::rec::Scheme::Zipf;
    plain.block_nats = vlae::rec::kDefaultBlockNats;
    const std::string prec = vlae::compress_rec(model(), x, x, plain, nullptr);
    std::ofstream(std::string(seed) + ".prec", std::ios::binary).write(prec.data(), static_cast<std::streamsize>(prec.size() - 8));
    vlae::ParamDeltas d;  // deltas on the decoder's first layer: small, negative and large steps
    d.step_log2 = 12;
    const auto first = model()->decoder->named_parameters(true)[0];
    std::vector<int32_t> steps(static_cast<size_t>(first.value().numel()));
    for (size_t i = 0; i < steps.size(); ++i) steps[i] = static_cast<int32_t>(i % 5) * 300 - 600;
    d.tensors.emplace_back("decoder." + first.key(), steps);
    const std::string adapted = vlae::compress_lossless(model(), x, cfg, nullptr, false, d);
    std::ofstream(std::string(seed) + ".adapt", std::ios::binary)
        .write(adapted.data(), static_cast<std::streamsize>(adapted.size() - 8));
    const std::string tc = vlae::compress_transform(transform_model(), x, nullptr);
    std::ofstream(std::string(seed) + ".transform", std::ios::binary)
        .write(tc.data(), static_cast<std::streamsize>(tc.size() - 8));
  }
  return 0;
}

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string bytes(reinterpret_cast<const char*>(data), size);
  const uint64_t sum = vlae::fnv1a(bytes.data(), bytes.size());
  for (int i = 0; i < 8; ++i) bytes.push_back(static_cast<char>((sum >> (8 * i)) & 0xff));
  try {
    // Byte 6 is the payload kind (container.h): 2 a lossy grid file, 3 a relative-entropy coded one,
    // 4 a transform code, 5 a lossless file with z relative-entropy coded.
    if (bytes.size() > 6 && bytes[6] == 2)
      vlae::decompress_lossy(model(), bytes, "fuzz", /*verify_fingerprint=*/false);
    else if (bytes.size() > 6 && bytes[6] == 3)
      vlae::decompress_rec(model(), bytes, "fuzz", /*verify_fingerprint=*/false);
    else if (bytes.size() > 6 && bytes[6] == 5)
      vlae::decompress_lossless_rec(model(), bytes, "fuzz", false, /*verify_fingerprint=*/false);
    else if (bytes.size() > 6 && bytes[6] == 4)
      vlae::decompress_transform(transform_model(), bytes, "fuzz", /*verify_fingerprint=*/false);
    else
      vlae::decompress_lossless(model(), bytes, "fuzz", false, /*verify_fingerprint=*/false);
  } catch (const vlae::InputError&) {
  }
  return 0;
}
