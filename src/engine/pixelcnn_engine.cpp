#include "engine/pixelcnn_engine.h"

#include <algorithm>

#include "engine/float_mode.h"
#include "model/discretization.h"
#include "model/likelihood.h"
#include "util/det_math.h"

namespace vlae::engine {

namespace {

torch::Tensor cpu_float(const torch::Tensor& t) { return t.detach().to(torch::kCPU, torch::kFloat32).contiguous(); }

Dense dense_of_1x1(const torch::nn::Conv2d& c) {
  const auto w = cpu_float(c->weight), b = cpu_float(c->bias);
  return Dense(w.size(1), w.size(0), w.data_ptr<float>(), b.data_ptr<float>());
}

// A masked convolution's weights times its mask (exact zeros where masked), and its taps: a tap
// whose mask is zero for every (output, input) pair is dropped. A colour layer's centre tap is kept
// with its channel mask's zeros in the weights.
Conv2d conv_of(const MaskedConv2d& m) {
  const auto mask = cpu_float(m->mask.expand_as(m->conv->weight));
  const auto w = cpu_float(m->conv->weight * m->mask), b = cpu_float(m->conv->bias);
  const auto open = mask.abs().sum(std::vector<int64_t>{0, 1}).contiguous();  // [rows, kernel]: 0 where closed
  const float* op = open.data_ptr<float>();
  const int64_t kw = w.size(3);
  Conv2d c(w.size(1), w.size(0), w.size(2), kw, false, w.data_ptr<float>(), b.data_ptr<float>(),
           [&](int ky, int kx) { return op[ky * kw + kx] != 0.0f; });
  c.pad_h = m->reach();
  c.pad_w = m->col_reach();
  c.dil_h = m->rows > 1 ? m->dilation : 1;
  c.dil_w = m->dilation;
  return c;
}

}  // namespace

PixelCNNEngine::PixelCNNEngine(PixelCNN& m)
    : h_(m->config.height), w_(m->config.width), c_(m->config.image_channels), cin_(m->context_channels()),
      k_(m->config.latent_dim),
      ch_(m->config.pixel_channels),
      units_(m->config.gated ? 2 * m->config.pixel_channels : m->config.pixel_channels),
      p_(likelihood_params(m->config)), binary_(m->config.likelihood == Likelihood::Bernoulli),
      gated_(m->config.gated), vh_(m->two_stacks()), cond_net_(m->cond_net) {
  torch::NoGradGuard no_grad;
  for (size_t l = 0; l < m->layers.size(); ++l) {
    Layer L;
    L.conv = conv_of(m->layers[l]);
    L.cond = dense_of_1x1(m->cond_proj[l]);
    if (vh_) {
      L.vconv = conv_of(m->vlayers[l]);
      L.vcond = dense_of_1x1(m->vcond_proj[l]);
      L.v2h = dense_of_1x1(m->v2h[l]);
      std::vector<float> zero(static_cast<size_t>(L.v2h.stride), 0.0f);
      L.v2h_of_zero.resize(static_cast<size_t>(units_));
      L.v2h.forward_row(zero.data(), L.v2h_of_zero.data(), 0, units_);
    }
    layers_.push_back(std::move(L));
  }
  // head: ReLU, 1x1 (ch -> ch), ReLU, 1x1 (ch -> P x C); colour: group-masked 1x1s.
  std::vector<Dense> convs;
  for (const auto& child : m->head->children()) {
    if (auto c = std::dynamic_pointer_cast<torch::nn::Conv2dImpl>(child)) convs.push_back(dense_of_1x1(torch::nn::Conv2d(c)));
    if (auto mc = std::dynamic_pointer_cast<MaskedConv2dImpl>(child)) {
      const auto w = cpu_float(mc->conv->weight * mc->mask), b = cpu_float(mc->conv->bias);
      convs.emplace_back(w.size(1), w.size(0), w.data_ptr<float>(), b.data_ptr<float>());
    }
  }
  head1_ = convs.at(0);
  head2_ = convs.at(1);
  if (m->linear) {
    linear_on_ = true;
    linear_ = conv_of(m->linear);
  }
}

int64_t PixelCNNEngine::subpixel(int64_t step) const { return (step % c_) * h_ * w_ + step / c_; }

float PixelCNNEngine::pixel_input(uint8_t v) const {
  // PixelCNNImpl::input: binary {0,1} -> {-1,1}; levels -> [-1, 1].
  return binary_ ? 2.0f * static_cast<float>(v) - 1.0f : static_cast<float>(v) * kLevelStepF - 1.0f;
}

void PixelCNNEngine::activate(const float* pre, float* out) const {
  if (!gated_) {
    for (int64_t i = 0; i < ch_; ++i) out[i] = pre[i] > 0.0f ? pre[i] : 0.0f;
    return;
  }
  for (int64_t i = 0; i < ch_; ++i) out[i] = det::tanhf(pre[i]) * det::sigmoidf(pre[ch_ + i]);
}

PixelCNNEngine::Image PixelCNNEngine::start(const float* z) const {
  const IeeeSubnormals ieee;
  const int64_t d = h_ * w_;
  Image im;
  im.input.assign(static_cast<size_t>(d * cin_), 0.0f);
  // h(z): the conditioning network, then each layer's 1x1 projections of it at every position.
  Batch zb = Batch::flat(1, k_);
  std::copy(z, z + k_, zb.row(0));
  const Batch cond = cond_net_.forward(std::move(zb));  // an HWC map [H][W][ch]
  // Positions as Dense rows: padded to the kernel's width, zero beyond ch.
  const int64_t cond_stride = padded(cond.c);
  std::vector<float> cond_rows(static_cast<size_t>(d * cond_stride), 0.0f);
  for (int64_t pos = 0; pos < d; ++pos)
    std::copy(cond.row(0) + pos * cond.c, cond.row(0) + (pos + 1) * cond.c, cond_rows.begin() + pos * cond_stride);
  for (const Layer& L : layers_) {
    std::vector<float> c(static_cast<size_t>(d * units_));
    L.cond.forward(cond_rows.data(), cond_stride, d, c.data(), units_);
    im.cond.push_back(std::move(c));
    im.h.emplace_back(static_cast<size_t>(d * ch_), 0.0f);
    if (!vh_) continue;
    std::vector<float> vc(static_cast<size_t>(d * units_));
    L.vcond.forward(cond_rows.data(), cond_stride, d, vc.data(), units_);
    im.vcond.push_back(std::move(vc));
    im.v.emplace_back(static_cast<size_t>(d * ch_), 0.0f);
    im.vpre.emplace_back(static_cast<size_t>(d * units_), 0.0f);
  }
  return im;
}

void PixelCNNEngine::horizontal(Image& im, size_t l, int64_t pos, const float* conv_out, float* scratch) const {
  // pre = conv + cond (+ v2h of the vertical stack's row above), in PixelCNNImpl::forward_maps' order.
  const Layer& L = layers_[l];
  float* pre = scratch;
  float* a = scratch + units_;
  const float* cond = im.cond[l].data() + pos * units_;
  for (int64_t i = 0; i < units_; ++i) pre[i] = conv_out[i] + cond[i];
  if (vh_) {
    const int64_t r = pos / w_;
    float* v2h = scratch + units_ + ch_;
    if (r == 0) {
      std::copy(L.v2h_of_zero.begin(), L.v2h_of_zero.end(), v2h);
    } else {
      float* above = v2h + units_;  // the row above's pre-activation, padded with zeros
      const float* src = im.vpre[l].data() + (pos - w_) * units_;
      std::fill(std::copy(src, src + units_, above), above + L.v2h.stride, 0.0f);
      L.v2h.forward_row(above, v2h, 0, units_);
    }
    for (int64_t i = 0; i < units_; ++i) pre[i] = pre[i] + v2h[i];
  }
  activate(pre, a);
  float* out = im.h[l].data() + pos * ch_;
  if (l == 0) {
    std::copy(a, a + ch_, out);
  } else {
    const float* below = im.h[l - 1].data() + pos * ch_;
    for (int64_t i = 0; i < ch_; ++i) out[i] = below[i] + a[i];  // residual from the second layer on
  }
}

void PixelCNNEngine::head(const float* h, float* out) const {
  // Per-thread buffers, zero beyond the channels (Dense reads rows padded to its stride).
  thread_local std::vector<float> a, b;
  a.assign(static_cast<size_t>(head1_.stride), 0.0f);
  b.assign(static_cast<size_t>(head2_.stride), 0.0f);
  for (int64_t i = 0; i < ch_; ++i) a[i] = h[i] > 0.0f ? h[i] : 0.0f;
  head1_.forward_row(a.data(), b.data(), 0, head1_.out);
  for (int64_t i = 0; i < head1_.out; ++i) b[i] = b[i] > 0.0f ? b[i] : 0.0f;
  head2_.forward_row(b.data(), out, 0, p_ * c_);
}

void PixelCNNEngine::add_linear(const Image& im, int64_t r, int64_t c, float* all) const {
  if (!linear_on_) return;
  thread_local std::vector<float> lin;
  lin.resize(static_cast<size_t>(p_ * c_));
  linear_.at(im.input.data(), h_, w_, r, c, lin.data());
  for (int64_t i = 0; i < p_ * c_; ++i) all[i] = all[i] + lin[i];
}

void PixelCNNEngine::params_of(const float* all, int64_t colour, double* out) const {
  for (int64_t i = 0; i < p_; ++i) out[i] = all[i * c_ + colour];  // the head's channel p * C + colour
}

void PixelCNNEngine::params_at(Image& im, int64_t step, double* out) const {
  const IeeeSubnormals ieee;
  // Colour: every sub-pixel step recomputes the position's layers, now with the colours before
  // it set; a group's units depend only on earlier colours (the channel masks), so the values the
  // step reads are the teacher-forced ones.
  const int64_t j = step / c_, r = j / w_, c = j % w_;
  thread_local std::vector<float> conv, scratch, all;
  conv.resize(static_cast<size_t>(units_));
  scratch.resize(scratch_size());
  all.resize(static_cast<size_t>(padded(p_ * c_)));
  for (size_t l = 0; l < layers_.size(); ++l) {
    const float* in = l == 0 ? im.input.data() : im.h[l - 1].data();
    layers_[l].conv.at(in, h_, w_, r, c, conv.data());
    horizontal(im, l, j, conv.data(), scratch.data());
  }
  head(im.h.back().data() + j * ch_, all.data());
  add_linear(im, r, c, all.data());
  params_of(all.data(), step % c_, out);
}

void PixelCNNEngine::vertical_row(Image& im, int64_t r) const {
  thread_local std::vector<float> pre;
  pre.resize(static_cast<size_t>(units_));
  for (size_t l = 0; l < layers_.size(); ++l) {
    const float* in = l == 0 ? im.input.data() : im.v[l - 1].data();
    for (int64_t c = 0; c < w_; ++c) {
      const int64_t pos = r * w_ + c;
      float* vp = im.vpre[l].data() + pos * units_;
      layers_[l].vconv.at(in, h_, w_, r, c, vp);
      const float* vc = im.vcond[l].data() + pos * units_;
      for (int64_t i = 0; i < units_; ++i) pre[i] = vp[i] + vc[i];
      activate(pre.data(), im.v[l].data() + pos * ch_);
    }
  }
}

void PixelCNNEngine::set(Image& im, int64_t step, uint8_t value) const {
  const IeeeSubnormals ieee;
  const int64_t j = step / c_;
  if (cin_ == c_) {
    im.input[step] = pixel_input(value);  // [H][W][C]: a step's index is its place in the map
  } else {  // gray context: the pixel enters once its last colour is known
    im.level_sum = (step % c_ == 0 ? 0 : im.level_sum) + value;
    if (step % c_ == c_ - 1) im.input[j] = pixel_input(static_cast<uint8_t>(im.level_sum / 3));
  }
  if (vh_ && step % c_ == c_ - 1 && j % w_ == w_ - 1) vertical_row(im, j / w_);
}

void PixelCNNEngine::teacher_forced(const float* z, const uint8_t* x, double* out) const {
  const IeeeSubnormals ieee;
  const int64_t d = h_ * w_;
  Image im = start(z);
  for (int64_t j = 0; j < d; ++j) {
    if (cin_ == c_) {
      for (int64_t g = 0; g < c_; ++g) im.input[j * c_ + g] = pixel_input(x[g * d + j]);
    } else {
      int sum = 0;
      for (int64_t g = 0; g < c_; ++g) sum += x[g * d + j];
      im.input[j] = pixel_input(static_cast<uint8_t>(sum / 3));
    }
  }
  if (vh_)
    for (int64_t r = 0; r < h_; ++r) vertical_row(im, r);
  // Layer by layer over the whole map: each conv output is Conv2d::at's value at that position.
  std::vector<float> conv(static_cast<size_t>(d * units_)), scratch(scratch_size());
  for (size_t l = 0; l < layers_.size(); ++l) {
    const float* in = l == 0 ? im.input.data() : im.h[l - 1].data();
    layers_[l].conv.forward(in, h_, w_, conv.data());
    for (int64_t pos = 0; pos < d; ++pos) horizontal(im, l, pos, conv.data() + pos * units_, scratch.data());
  }
  std::vector<float> all(static_cast<size_t>(padded(p_ * c_)));
  for (int64_t pos = 0; pos < d; ++pos) {
    head(im.h.back().data() + pos * ch_, all.data());
    add_linear(im, pos / w_, pos % w_, all.data());
    for (int64_t g = 0; g < c_; ++g) params_of(all.data(), g, out + (pos * c_ + g) * p_);
  }
}

}  // namespace vlae::engine
