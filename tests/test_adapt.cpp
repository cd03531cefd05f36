// Instance-adaptive coding: parameter deltas applied exactly and put back, the container's version 4
// section, adapted files that decode exactly, and the CLI's flags.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "coding/container.h"
#include "util/hash.h"
#include "coding/lossless.h"
#include "eval/evaluate.h"
#include "helpers.h"
#include "model/adapted_parameters.h"
#include "model/vae.h"
#include "train/adapt.h"
#include "util/atomic_file.h"
#include "util/error.h"

using namespace vlae;

namespace {

// A tiny gray PixelCNN with the linear predictor, untrained: adaptation has much to gain on it.
VAE tiny_pixelcnn(uint64_t seed) {
  torch::manual_seed(seed);
  ModelConfig c;
  c.arch = "pixelcnn";
  c.height = c.width = 28;
  c.latent_dim = 2;
  c.hidden = 16;
  c.pixel_channels = 8;
  c.pixel_layers = 2;
  c.pixel_linear = 3;
  c.likelihood = Likelihood::Logistic;
  return VAE(c);
}

torch::Tensor parameter(VAE& m, const std::string& key) {
  for (const auto& p : m->named_parameters(true))
    if (p.key() == key) return p.value();
  return {};
}

double neg_elbo(VAE& m, const Images& x) {
  EvalOptions eo;
  eo.iwae_samples = 0;
  eo.mi_images = 0;
  eo.elbo_samples = 4;
  return evaluate(m, x, eo).neg_elbo_bits_per_dim;
}

}  // namespace

// w + d * 2^-e in float32, bit for bit, for as long as the guard lives; then the weights as before.
TEST(Adapt, DeltasApplyExactlyAndArePutBack) {
  VAE m = tiny_pixelcnn(1);
  const uint64_t before = m->fingerprint();
  const auto w0 = parameter(m, "pixelcnn.linear.conv.weight").detach().clone();
  ParamDeltas d;
  d.step_log2 = 9;
  std::vector<int32_t> steps(static_cast<size_t>(w0.numel()));
  for (size_t i = 0; i < steps.size(); ++i) steps[i] = static_cast<int32_t>(i % 7) * (i % 2 ? -1 : 1) * 37;
  steps[0] = kMaxParamDeltaSteps;
  steps[1] = -kMaxParamDeltaSteps;
  d.tensors.emplace_back("pixelcnn.linear.conv.weight", steps);
  {
    const AdaptedParameters with(m, d, "mem");
    const auto w = parameter(m, "pixelcnn.linear.conv.weight").contiguous();
    const float* a = w.data_ptr<float>();
    const auto base = w0.contiguous();
    const float* b = base.data_ptr<float>();
    for (size_t i = 0; i < steps.size(); ++i) ASSERT_EQ(a[i], b[i] + static_cast<float>(steps[i]) * std::ldexp(1.0f, -9)) << i;
    EXPECT_NE(m->fingerprint(), before);
  }
  EXPECT_EQ(m->fingerprint(), before);
  // A tensor the model lacks, or of another size, is named and changes nothing.
  ParamDeltas wrong = d;
  wrong.tensors.emplace_back("pixelcnn.nothing", std::vector<int32_t>{1});
  test::expect_input_error([&] { AdaptedParameters w(m, wrong, "other.vlae"); }, "other.vlae: adapted parameter 'pixelcnn.nothing'");
  wrong.tensors.back() = {"pixelcnn.linear.conv.bias", std::vector<int32_t>{1, 2, 3}};
  test::expect_input_error([&] { AdaptedParameters w(m, wrong, "other.vlae"); }, "has 3 entries");
  EXPECT_EQ(m->fingerprint(), before);
}

// Version 4 carries the deltas; every truncation and a bad field is named, never decoded.
TEST(Adapt, ContainerVersion4) {
  CodedFile f;
  f.kind = CodedKind::Lossless;
  f.count = 2;
  f.height = f.width = 28;
  f.latent_bits = 14;
  f.posterior_prec = 24;
  f.obs_prec = 24;
  f.lanes.resize(1);
  f.lanes[0].state = rans::kLower;
  f.adapted.step_log2 = 14;
  f.adapted.tensors = {{"pixelcnn.head.1.weight", {0, -1, 63, -64, 64, 8191, -8192, kMaxParamDeltaSteps, -kMaxParamDeltaSteps}},
                       {"pixelcnn.linear.conv.bias", {5}}};
  const std::string bytes = serialize(f);
  EXPECT_EQ(bytes[4], 4);
  const CodedFile g = parse_coded_file(bytes, "mem");
  EXPECT_EQ(g.adapted.step_log2, 14);
  EXPECT_EQ(g.adapted.tensors, f.adapted.tensors);
  EXPECT_EQ(g.channels, 1);
  EXPECT_TRUE(g.names.empty());
  for (size_t cut = 10; cut < bytes.size(); cut += 7)
    test::expect_input_error([&] { parse_coded_file(bytes.substr(0, cut), "cut.vlae"); }, "cut.vlae");
  // Without deltas the file is version 1, byte for byte as before.
  CodedFile plain = f;
  plain.adapted = {};
  EXPECT_EQ(serialize(plain)[4], 1);
  // Version 5 adds each lane's start (coding/bits_back.h), with deltas or without.
  for (const CodedFile& base : {f, plain}) {
    CodedFile started = base;
    started.lane_starts = {1};
    const std::string v5 = serialize(started);
    EXPECT_EQ(v5[4], 5);
    const CodedFile h = parse_coded_file(v5, "mem");
    EXPECT_EQ(h.lane_starts, started.lane_starts);
    EXPECT_EQ(h.adapted.tensors, base.adapted.tensors);
    for (size_t cut = 10; cut < v5.size(); cut += 5)
      test::expect_input_error([&] { parse_coded_file(v5.substr(0, cut), "cut.vlae"); }, "cut.vlae");
  }
  CodedFile weighted = plain;
  weighted.importance_log2 = 4;  // 16 importance samples, every lane from initial bits
  const std::string w = serialize(weighted);
  EXPECT_EQ(w[4], 5);
  EXPECT_EQ(parse_coded_file(w, "mem").importance_log2, 4);
  std::string bad = w;
  bad[bad.size() - 8 - 2] = 9;  // 2^9 samples
  const uint64_t sum = fnv1a(bad.data(), bad.size() - 8);
  for (int i = 0; i < 8; ++i) bad[bad.size() - 8 + i] = static_cast<char>((sum >> (8 * i)) & 0xff);
  test::expect_input_error([&] { parse_coded_file(bad, "bad.vlae"); }, "importance sample");
  CodedFile two_starts = plain;
  two_starts.lane_starts = {1, 0};  // one lane, two starts
  EXPECT_THROW(serialize(two_starts), std::invalid_argument);
  // Small steps cost bits, not bytes: 4,000 steps in -3..3 (2.8 bits each at their entropy) in under 4.
  CodedFile small = plain;
  small.adapted.step_log2 = 14;
  std::vector<int32_t> steps(4000);
  for (size_t i = 0; i < steps.size(); ++i) steps[i] = static_cast<int32_t>((i * 7919) % 7) - 3;
  small.adapted.tensors = {{"pixelcnn.head.1.weight", steps}};
  const std::string small_bytes = serialize(small);
  EXPECT_LT(small_bytes.size() - serialize(plain).size(), 4000u * 4 / 8);
  EXPECT_EQ(parse_coded_file(small_bytes, "mem").adapted.tensors, small.adapted.tensors);
  // Masked weights never change: with zero flags a zero step is one bit.
  std::vector<int32_t> masked(8000, 0);
  for (size_t i = 1; i < masked.size(); i += 2) masked[i] = static_cast<int32_t>((i * 7919) % 90) + 1;
  small.adapted.tensors = {{"pixelcnn.head.1.weight", masked}};
  const std::string masked_bytes = serialize(small);
  EXPECT_LT(masked_bytes.size() - serialize(plain).size(), 1000u + 4000u * 9 / 8);
  EXPECT_EQ(parse_coded_file(masked_bytes, "mem").adapted.tensors, small.adapted.tensors);
  // Only lossless bits-back files carry them.
  CodedFile lossy = f;
  lossy.kind = CodedKind::Lossy;
  lossy.grid = {1.0};
  EXPECT_THROW(serialize(lossy), std::invalid_argument);
}

// The file carries the deltas, decodes exactly with them, and the model is left as it was. The
// deltas matter: the adapted model scores the images better, and a file whose deltas were changed
// (re-serialized, so only the data checksum can catch it) does not decode.
TEST(Adapt, AdaptedFilesDecodeExactly) {
  VAE m = tiny_pixelcnn(2);
  const Images x = test::fashion(6);
  const uint64_t before = m->fingerprint();
  AdaptOptions o;
  o.steps = 30;
  o.lr = 1e-2;
  o.batch_size = 4;
  o.progress = false;
  AdaptReport rep;
  const ParamDeltas d = adapt_parameters(m, x, o, &rep);
  EXPECT_EQ(m->fingerprint(), before);
  ASSERT_EQ(d.tensors.size(), 6u);  // head: two 1x1 convolutions' weight and bias; linear: weight, bias
  int64_t head_and_linear = 0;  // the weights adapted by default, counted from the model itself
  for (const auto& p : m->named_parameters(true))
    if (p.key().rfind("pixelcnn.head.", 0) == 0 || p.key().rfind("pixelcnn.linear.", 0) == 0) head_and_linear += p.value().numel();
  EXPECT_EQ(rep.entries, head_and_linear);
  EXPECT_EQ(d.entries(), head_and_linear);
  const double base_bpd = neg_elbo(m, x);
  double adapted_bpd = 0;
  {
    const AdaptedParameters with(m, d, "mem");
    adapted_bpd = neg_elbo(m, x);
  }
  EXPECT_LT(adapted_bpd, base_bpd - 0.1) << "adaptation should lower the -ELBO of the images it saw";
  BitsBackConfig cfg;
  cfg.lanes = 2;
  const std::string bytes = compress_lossless(m, x, cfg, nullptr, false, d);
  EXPECT_EQ(m->fingerprint(), before);
  EXPECT_EQ(parse_coded_file(bytes, "mem").adapted.tensors, d.tensors);
  EXPECT_EQ(decompress_lossless(m, bytes, "mem", false).pixels, x.pixels);
  EXPECT_EQ(m->fingerprint(), before);
  CodedFile g = parse_coded_file(bytes, "mem");
  for (auto& v : g.adapted.tensors[0].second) v += 3000;
  test::expect_input_error([&] { decompress_lossless(m, serialize(g), "changed.vlae", false); }, "changed.vlae");
  EXPECT_EQ(m->fingerprint(), before);
  // Parameters named by prefix; a prefix that names nothing is an error.
  o.params = {"pixelcnn.linear."};
  EXPECT_EQ(adapt_parameters(m, x, o, nullptr).tensors.size(), 2u);
  o.params = {"pixelcnn.nope"};
  test::expect_input_error([&] { adapt_parameters(m, x, o, nullptr); }, "no parameter of this model starts with 'pixelcnn.nope'");
  EXPECT_EQ(m->fingerprint(), before);
  for (const auto& p : m->parameters()) EXPECT_TRUE(p.requires_grad());
}

TEST(Adapt, CliCompressesAdaptedAndRefusesBadFlags) {
  const std::string dir = test::temp_dir("adapt-cli");
  ASSERT_EQ(test::run_cli("train --out " + dir + "/r --data fashion-mnist --limit 64 --epochs 1 --batch-size 32 --model pixelcnn "
                          "--pixel-channels 4 --pixel-layers 2 --pixel-linear 3 --latent-dim 2 --hidden 8 --test-limit 8 --threads 2")
                .code,
            0);
  const auto c = test::run_cli("compress --run " + dir + "/r --data fashion-mnist --split test --limit 4 --adapt-steps 5 "
                               "--adapt-batch-size 2 -o " + dir + "/a.vlae --json " + dir + "/a.json --threads 2");
  ASSERT_EQ(c.code, 0) << c.output;
  EXPECT_NE(c.output.find("adapted to these images"), std::string::npos) << c.output;
  const auto j = nlohmann::json::parse(read_file(dir + "/a.json"));
  EXPECT_EQ(j["adapt"]["steps"], 5);
  EXPECT_GT(j["adapt"]["weights"].get<int64_t>(), 0);
  EXPECT_EQ(j["adapt"]["params"], nlohmann::json({"pixelcnn.head.", "pixelcnn.linear."}));
  const auto d = test::run_cli("decompress --run " + dir + "/r " + dir + "/a.vlae -o " + dir + "/a.idx --threads 2");
  ASSERT_EQ(d.code, 0) << d.output;
  // Each bad flag is one line and exit code 2.
  const std::pair<std::string, std::string> bad[] = {
      {"--adapt-steps -1", "--adapt-steps"},
      {"--adapt-steps 2 --lossy", "--adapt-steps: for lossless"},
      {"--adapt-steps 2 --adapt-lr 0", "--adapt-lr"},
      {"--adapt-steps 2 --adapt-params x.,y", "no parameter of this model starts with 'x.'"},
      {"--adapt-steps 2 --adapt-step-log2 31", "--adapt-step-log2"}};
  for (const auto& [flags, fragment] : bad)
    test::expect_usage_error("compress --run " + dir + "/r --split test --limit 2 " + flags + " -o " + dir + "/b.vlae",
                             fragment);
}
