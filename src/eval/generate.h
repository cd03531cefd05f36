// Images from a model: decodings of given latents (the decoder mean of a factorized decoder, or a
// draw from p(x|z), pixel by pixel for a PixelCNN) and draws from the prior, plus image grids.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "data/images.h"
#include "model/vae.h"

namespace vlae {

// x ~ p(x|z) for each row of z ([B, K]); `mean` asks a factorized decoder for its mean instead
// (8-bit levels; a binary model's probabilities as levels 0..255).
Images decode_latents(VAE& model, const torch::Tensor& z, bool mean, uint64_t seed);
// z ~ p(z), x ~ p(x|z).
Images sample_model(VAE& model, int64_t n, uint64_t seed);
// One grayscale PNG holding `rows` x `cols` images, each row from one Images, 2-pixel gaps, every
// pixel drawn `zoom` x `zoom`.
std::string grid_png(const std::vector<const Images*>& rows, int64_t cols, int64_t zoom = 1);

}  // namespace vlae
