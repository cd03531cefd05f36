// Pixel-space fidelity on the 0..255 scale: MSE, PSNR (from the MSE over all pixels of a set) and
// SSIM (Wang et al. 2004: 11x11 Gaussian window, sigma 1.5, K1 = 0.01, K2 = 0.03, L = 255, over the
// valid region, averaged over images).
#pragma once
#include <cstdint>

namespace vlae {

double psnr_db(double mse);
// Mean SSIM of one grayscale image pair.
double ssim(const uint8_t* a, const uint8_t* b, int64_t height, int64_t width);
// SSIM of one planar image pair of `channels` planes: the mean of the planes' SSIMs (colour
// images' SSIM on R, G and B, as the tools that report RGB SSIM compute it).
double ssim(const uint8_t* a, const uint8_t* b, int64_t channels, int64_t height, int64_t width);

}  // namespace vlae
