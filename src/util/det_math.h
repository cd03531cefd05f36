// vlae's own elementary functions, built from IEEE-754 +, -, *, /, sqrt, floor and exact bit
// operations only, each evaluated in one fixed order. libm's exp, log and erfc differ in their
// last bits between versions and platforms; a frequency computed from them would too, and a file
// would decode only where it was made. Everything on the coding path calls these instead.
// Accuracy (tests/test_det_math.cpp): exp, log, log1p, cos_2pi within 2 ulp; erfc within
// 1e-13 relative for x < 10. The float versions round the double result once.
// Invariant: every function here is a pure function of its argument's bits (no table built at
// run time, no dependence on the rounding mode, which vlae never changes).
#pragma once

namespace vlae::det {

double exp(double x);
double log(double x);
double log1p(double x);
double erfc(double x);
double normal_cdf(double x);   // Φ(x) = erfc(-x / √2) / 2
// Φ^-1(p) for 0 < p <= 1/2 (callers use symmetry above 1/2, where 1 - p has fewer bits):
// Acklam's rational approximation, relative error below 1.2e-9: enough where the result is
// rounded to float (rec's latent points), and cheap (one log and one sqrt at most).
double normal_quantile_lower(double p);
double cos_2pi(double turns);  // cos(2π · turns)
double pow(double x, double y);  // exp(y log x), x > 0
double sigmoid(double x);      // 1 / (1 + e^-x)
double tanh(double x);
double softplus(double x);     // log(1 + e^x)
double log_sigmoid(double x);  // -softplus(-x)

inline float expf(float x) { return static_cast<float>(det::exp(x)); }
inline float tanhf(float x) { return static_cast<float>(det::tanh(x)); }
inline float sigmoidf(float x) { return static_cast<float>(det::sigmoid(x)); }
inline float log_sigmoidf(float x) { return static_cast<float>(det::log_sigmoid(x)); }

}  // namespace vlae::det
