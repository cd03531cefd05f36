#include "util/det_math.h"

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

namespace vlae::det {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
// ln 2 split so that k * kLn2Hi is exact for |k| < 2^11 (fdlibm's constants).
constexpr double kLn2Hi = 6.93147180369123816490e-01;
constexpr double kLn2Lo = 1.90821492927058770002e-10;
constexpr double kSqrt2 = 1.41421356237309504880;
constexpr double kHalfPi = 1.57079632679489661923;

uint64_t bits_of(double x) {
  uint64_t b;
  std::memcpy(&b, &x, sizeof b);
  return b;
}
double from_bits(uint64_t b) {
  double x;
  std::memcpy(&x, &b, sizeof x);
  return x;
}
// 2^k for a normal exponent k in [-1022, 1023], exactly.
double pow2(int k) { return from_bits(static_cast<uint64_t>(k + 1023) << 52); }

// 2^(j/64), j = 0..63, each rounded to the nearest double (computed in 40-digit arithmetic, mpmath).
constexpr double kExp2Table[64] = {
    1.0, 1.0108892860517005, 1.0218971486541166, 1.0330248790212284,
    1.0442737824274138, 1.0556451783605572, 1.0671404006768237, 1.0787607977571199,
    1.0905077326652577, 1.102382583307841, 1.1143867425958924, 1.1265216186082418,
    1.1387886347566916, 1.1511892299529827, 1.1637248587775775, 1.1763969916502812,
    1.189207115002721, 1.202156731452703, 1.215247359980469, 1.22848053610687,
    1.241857812073484, 1.255380757024691, 1.2690509571917332, 1.2828700160787783,
    1.2968395546510096, 1.3109612115247644, 1.3252366431597413, 1.339667524053303,
    1.3542555469368927, 1.3690024229745905, 1.383909881963832, 1.3989796725383112,
    1.4142135623730951, 1.42961333839197, 1.4451808069770467, 1.460917794180647,
    1.4768261459394993, 1.4929077282912648, 1.5091644275934228, 1.5255981507445384,
    1.5422108254079407, 1.559004400237837, 1.5759808451078865, 1.593142151342267,
    1.6104903319492543, 1.6280274218573478, 1.645755478153965, 1.6636765803267364,
    1.681792830507429, 1.7001063537185235, 1.718619298122478, 1.7373338352737062,
    1.7562521603732995, 1.7753764925265212, 1.7947090750031072, 1.8142521755003989,
    1.8340080864093424, 1.8539791250833855, 1.8741676341103, 1.8945759815869656,
    1.9152065613971474, 1.9360617934922943, 1.9571441241754002, 1.978456026387951,
};
// ln 2 / 64 split so that n * kLn2By64Hi is exact for |n| < 2^17 (every n exp reaches).
constexpr double kLn2By64Hi = 0.010830424696223417;
constexpr double kLn2By64Lo = 2.572804622327669e-14;
constexpr double k64ByLn2 = 92.33248261689366;

}  // namespace

double exp(double x) {
  if (x != x) return x;
  if (x > 709.782712893384) return kInf;
  if (x < -745.1332191019412) return 0.0;
  // x = (64k + j) ln2/64 + r, |r| <= ln2/128: e^x = 2^k 2^(j/64) e^r, e^r by its Taylor series to r^6
  // (truncation < 1e-20).
  const double nd = std::floor(x * k64ByLn2 + 0.5);
  const double r = (x - nd * kLn2By64Hi) - nd * kLn2By64Lo;
  const int n = static_cast<int>(nd);
  const int j = n & 63, k = (n - j) / 64;
  const double p = 1.0 + r * (1.0 + r * (0.5 + r * (1.0 / 6.0 + r * (1.0 / 24.0 + r * (1.0 / 120.0 + r * (1.0 / 720.0))))));
  const double m = kExp2Table[j] * p;
  if (k >= -1022 && k <= 1023) return m * pow2(k);
  // Results near overflow or subnormal: two exact-power steps.
  const int half = k / 2;
  return (m * pow2(half)) * pow2(k - half);
}

double log(double x) {
  if (x != x || x < 0) return kNaN;
  if (x == 0) return -kInf;
  if (x == kInf) return x;
  int e = 0;
  if (x < 2.2250738585072014e-308) {  // subnormal: scale into the normal range exactly
    x *= 18014398509481984.0;         // 2^54
    e = -54;
  }
  const uint64_t b = bits_of(x);
  e += static_cast<int>((b >> 52) & 0x7ff) - 1023;
  double m = from_bits((b & 0x000fffffffffffffull) | 0x3ff0000000000000ull);  // [1, 2)
  if (m > kSqrt2) {
    m *= 0.5;
    e += 1;
  }
  // log m = 2 atanh(s), s = (m - 1)/(m + 1), |s| <= 0.1716: the odd series to s^23.
  const double s = (m - 1.0) / (m + 1.0), s2 = s * s;
  double p = 1.0 / 23.0;
  static constexpr double kInvOdd[] = {1.0 / 21.0, 1.0 / 19.0, 1.0 / 17.0, 1.0 / 15.0, 1.0 / 13.0, 1.0 / 11.0,
                                       1.0 / 9.0,  1.0 / 7.0,  1.0 / 5.0,  1.0 / 3.0,  1.0};
  for (double c : kInvOdd) p = p * s2 + c;
  const double ed = static_cast<double>(e);
  return ed * kLn2Hi + (ed * kLn2Lo + 2.0 * s * p);
}

double log1p(double x) {
  const double u = 1.0 + x;
  if (u == 1.0) return x;
  if (u == kInf || u <= 0.0) return log(u);
  // Corrects the rounding of 1 + x (Goldberg's trick).
  return log(u) * (x / (u - 1.0));
}

// erfc z = t exp(-z² + h(u)) for z >= 0, t = 2/(2 + z), u = 2t - 1 in (-1, 1]: h is smooth on
// [-1, 1] and its Chebyshev series, computed in 50-digit arithmetic (mpmath, 80 nodes), is truncated
// after 32 terms, where the next is below 1e-19 (the form of Numerical Recipes' erfccheb).
double erfc(double x) {
  static constexpr double kCheb[] = {
    -0.6513268598908547171, 0.6419697923564902603, 0.019476473204185836312,
    -0.0095615147868086316419, -0.0009465953444820368663, 0.00036683949785276145187,
    0.000042523324806907771645, -0.000020278578112534243154, -1.6242900046470255135e-6,
    1.3036558355805232018e-6, 1.5626441722066143178e-8, -8.5238095914926542525e-8,
    6.5290544390988514964e-9, 5.0593434955514689418e-9, -9.9136415649303308674e-10,
    -2.2736512229318358557e-10, 9.646791102015526802e-11, 2.3940380830391147447e-12,
    -6.8860275264975533984e-12, 8.9448792730907257167e-13, 3.1309213993429580783e-13,
    -1.1270822361367252366e-13, 3.8109052551892320552e-16, 7.1060976136092369878e-15,
    -1.5230282014571043043e-15, -9.4574945712912340005e-17, 1.2102371892242789923e-16,
    -2.8166630877471769718e-17, 5.0030055594459016536e-20, 2.3281042579529252875e-18,
    -8.4460776825090065977e-19, 7.3768408932279073288e-20,
  };
  if (x != x) return x;
  if (x < 0) return 2.0 - erfc(-x);
  if (x >= 27.3) return 0.0;  // below the smallest subnormal
  const double t = 2.0 / (2.0 + x), u = 2.0 * t - 1.0;
  // Clenshaw's recurrence, highest coefficient first.
  double b1 = 0.0, b2 = 0.0;
  for (int j = 31; j >= 1; --j) {
    const double b0 = 2.0 * u * b1 - b2 + kCheb[j];
    b2 = b1;
    b1 = b0;
  }
  const double h = u * b1 - b2 + kCheb[0];
  return t * exp(-x * x + h);
}

double normal_cdf(double x) { return 0.5 * erfc(-x * 0.70710678118654752440); }

double normal_quantile_lower(double p) {
  if (!(p > 0.0 && p <= 0.5)) return kNaN;
  double x;
  if (p < 0.02425) {  // the tail: a rational function of sqrt(-2 log p)
    const double q = sqrt(-2.0 * log(p));
    x = (((((-7.784894002430293e-03 * q - 3.223964580411365e-01) * q - 2.400758277161838e+00) * q -
           2.549732539343734e+00) * q + 4.374664141464968e+00) * q + 2.938163982698783e+00) /
        ((((7.784695709041462e-03 * q + 3.224671290700398e-01) * q + 2.445134137142996e+00) * q +
          3.754408661907416e+00) * q + 1.0);
  } else {  // the centre: a rational function of (p - 1/2)^2
    const double q = p - 0.5, r = q * q;
    x = (((((-3.969683028665376e+01 * r + 2.209460984245205e+02) * r - 2.759285104469687e+02) * r +
           1.383577518672690e+02) * r - 3.066479806614716e+01) * r + 2.506628277459239e+00) * q /
        (((((-5.447609879822406e+01 * r + 1.615858368580409e+02) * r - 1.556989798598866e+02) * r +
           6.680131188771972e+01) * r - 1.328068155288572e+01) * r + 1.0);
  }
  return x;
}

double cos_2pi(double turns) {
  if (!(turns - turns == 0.0)) return kNaN;  // inf or NaN
  // Quarter turns q and the rest a in [-π/4, π/4]: cos(q π/2 + a).
  const double r = 4.0 * (turns - std::floor(turns));  // [0, 4]
  const double q = std::floor(r + 0.5);
  const double a = (r - q) * kHalfPi, a2 = a * a;
  // Taylor series of cos to a^18 and of sin to a^17 (truncation < 1e-19 on |a| <= π/4), by Horner
  // in a², highest term first.
  static constexpr double kCos[] = {-1.0 / 6402373705728000.0, 1.0 / 20922789888000.0, -1.0 / 87178291200.0,
                                    1.0 / 479001600.0,         -1.0 / 3628800.0,       1.0 / 40320.0,
                                    -1.0 / 720.0,              1.0 / 24.0,             -0.5,
                                    1.0};
  static constexpr double kSin[] = {1.0 / 355687428096000.0, -1.0 / 1307674368000.0, 1.0 / 6227020800.0,
                                    -1.0 / 39916800.0,       1.0 / 362880.0,         -1.0 / 5040.0,
                                    1.0 / 120.0,             -1.0 / 6.0,             1.0};
  double cos_a = 0.0, sin_a = 0.0;
  for (double k : kCos) cos_a = cos_a * a2 + k;
  for (double k : kSin) sin_a = sin_a * a2 + k;
  sin_a *= a;
  switch (static_cast<int>(q) & 3) {
    case 0: return cos_a;
    case 1: return -sin_a;
    case 2: return -cos_a;
    default: return sin_a;
  }
}

double pow(double x, double y) { return exp(y * log(x)); }

double sigmoid(double x) { return 1.0 / (1.0 + exp(-x)); }

double tanh(double x) {
  const double ax = std::fabs(x);
  if (ax > 20.0) return x > 0 ? 1.0 : -1.0;
  const double e = exp(-2.0 * ax);
  const double t = (1.0 - e) / (1.0 + e);
  return x < 0 ? -t : t;
}

double softplus(double x) { return (x > 0 ? x : 0.0) + log1p(exp(-std::fabs(x))); }

double log_sigmoid(double x) { return -softplus(-x); }

}  // namespace vlae::det
