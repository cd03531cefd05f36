// The PixelCNN decoder (model/pixelcnn.h) on vlae's deterministic kernels, for coding.
// A layer's output at pixel (r, c) reads only outputs of the layer below at pixels up to (r, c) in
// raster order (the masks' zero taps are dropped, not multiplied by zero), and each value is the
// same function of those inputs however it is scheduled. So:
//   - decoding is incremental (Ramachandran et al. 2017): when pixel j is known, every layer is
//     computed at pixel j alone, from cached maps; an image costs one forward pass in all;
//   - compression is teacher-forced: all pixels of a known image in one layer-by-layer pass,
//     which gives the decoder's params bit for bit.
// The vh variant's vertical stack reads whole rows up to its own, so it advances when a row is
// complete; the horizontal stack sees its row above through v2h (row 0: v2h of zeros).
// Colour: the coding order is raster over positions, then R, G, B at each ("steps"; step s is the
// planar sub-pixel subpixel(s)); each step recomputes its position.
#pragma once
#include <cstdint>
#include <vector>

#include "engine/conv.h"
#include "engine/dense.h"
#include "engine/sequential.h"
#include "model/pixelcnn.h"

namespace vlae::engine {

class PixelCNNEngine {
 public:
  explicit PixelCNNEngine(PixelCNN& model);
  int64_t params_per_pixel() const { return p_; }
  int64_t dims() const { return h_ * w_ * c_; }  // steps per image
  int64_t subpixel(int64_t step) const;         // the planar index (C x H x W) of a coding step

  // One image's decoding state: its h(z) projections and every layer's map so far.
  struct Image {
    std::vector<float> input;                   // [H][W][C] (gray context: [H][W][1]): decoded so far, 0 beyond
    int level_sum = 0;                          // gray context: R + G + B of the current position so far
    std::vector<std::vector<float>> h;          // per layer: [H][W][ch] residual stream after the layer
    std::vector<std::vector<float>> cond, vcond;  // per layer: [H][W][units], the 1x1 maps of h(z)
    std::vector<std::vector<float>> v, vpre;    // vh: per layer [H][W][ch] activations, [H][W][units] pre-activations
  };
  Image start(const float* z) const;
  // Step s's params (P doubles), every step before s having been set.
  void params_at(Image& im, int64_t step, double* out) const;
  // Sets step s's value (data scale: 0/1 or a level); at a row's end advances the vertical stack.
  void set(Image& im, int64_t step, uint8_t value) const;
  // Every step's params of a known image x (planar) given z, [steps][P]; bit for bit what
  // params_at gives.
  void teacher_forced(const float* z, const uint8_t* x, double* out) const;

 private:
  struct Layer {
    Conv2d conv;         // the masked convolution (single stack, or horizontal)
    Dense cond;          // 1x1 from h(z)
    Conv2d vconv;        // vh: vertical stack
    Dense vcond, v2h;
    std::vector<float> v2h_of_zero;  // v2h's output for row 0 (the shifted-in zero row)
  };
  float pixel_input(uint8_t v) const;
  // Pre-activation -> activation (ReLU, or tanh ⊙ sigmoid when gated), ch outputs.
  void activate(const float* pre, float* out) const;
  // Layer l's residual stream at position pos from its conv output, given every map it reads.
  void horizontal(Image& im, size_t l, int64_t pos, const float* conv_out, float* scratch) const;
  void vertical_row(Image& im, int64_t r) const;
  void head(const float* h, float* out) const;  // P x C outputs, channel p * C + colour
  // Adds the linear predictor's outputs at (r, c) to the head's (PixelCNNImpl::forward_maps' sum).
  void add_linear(const Image& im, int64_t r, int64_t c, float* all) const;
  void params_of(const float* head_out, int64_t colour, double* out) const;
  size_t scratch_size() const { return static_cast<size_t>(3 * units_ + ch_ + padded(units_)); }

  int64_t h_, w_, c_, cin_, k_, ch_, units_, p_;  // cin_: the context's channels (c_, or 1 when gray)
  bool binary_, gated_, vh_;
  Sequential cond_net_;
  std::vector<Layer> layers_;
  Dense head1_, head2_;
  bool linear_on_ = false;  // the model's linear predictor (config.pixel_linear > 0)
  Conv2d linear_;           // its mask-A convolution of the input map, added to the head's output
};

}  // namespace vlae::engine
