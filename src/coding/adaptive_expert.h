// A classical lossless predictor coded beside the network: context mixing (as in PAQ) of the
// PixelCNN's distribution for a sub-pixel with an adaptive expert's, per image, on the coding path.
//
// The expert is JPEG XL's idea of a weighted predictor (Alakuijala et al. 2019), in vlae's units:
//   - sub-predictors of the level from the causal neighbours N, W, NW, NE in the same channel (and,
//     after the first colour, of the difference to the colour before it, plus that colour's level
//     here), each weighted by 1 / (eps + its recent error at the neighbours)^2;
//   - a discretized logistic at the weighted prediction, its scale from the final prediction's
//     recent errors at the neighbours (and, after the first colour, this position's error in the
//     colour before);
//   - its share in the mixture: sigmoid of a log-odds made from how many bits it saved against
//     the network at the neighbours and over the image so far.
// A network trained on other photographs predicts a smooth JPEG-decoded photograph poorly, and a
// classical context model adapts to each image: the mixture pays at most -log2 of the network's
// share where the network is right, and gains where it is not.
//
// Invariants (files decode on every machine): every value is a pure function of the image's earlier
// sub-pixels in coding order and of the network's masses for them, computed with IEEE +, -, *, /
// and util/det_math.h in one fixed order; nothing carries over from one image to the next, so the
// batch, lane and thread split change nothing. Changing any rule or constant here changes files:
// it is a new mixing id (coding/container.h).
#pragma once
#include <cstdint>
#include <vector>

namespace vlae::codec {

// The mixing rule a file was coded with (container byte): 0 the network alone, 1 this expert.
enum class ExpertMixing : uint8_t { None = 0, Adaptive1 = 1 };

// The expert's logistic and its share in the mixture for one sub-pixel.
struct ExpertPrediction {
  double mean;       // [-1, 1] units (model/discretization.h)
  double log_scale;  // the logistic's, [-1, 1] units
  double share;      // in (0, 1): F = (1 - share) F_network + share F_expert
};

// The rule's constants (level units where they are levels). The defaults are ExpertMixing::
// Adaptive1's, tuned on photos32's training patches with experiments/expert_tune.sh; other values
// are for that tuning only (a file records the id, not the constants).
struct ExpertConstants {
  double eps = 0.25;          // sub-predictor weights 1 / (eps + recent error)^2
  double scale_a = 0.6;       // the logistic's scale = (a * recent error + b) * the image's ratio
  double scale_b = 0.35;
  double colour_err = 0.25;   // weight of the colour before's error here in the recent error
  double first_scale = 12;    // the scale at an image's first sub-pixel (nothing known yet)
  double ratio_prior = 200;   // the ratio: sqrt((prior + sum of errors) / (prior + sum of recent errors))
                              // over the colour's sub-pixels so far (0: no ratio)
  double share_bias = 0.0;    // log-odds of the expert's share before any evidence
  double share_local = 0.4;   // per bit it saved at the neighbours (their weighted mean)
  double share_image = 0.6;   // per bit it saved on average over the colour so far
  double share_decayed = 0.1; // per bit of the decayed sum of bits saved over the colour so far
  double decay = 0.98;        // that sum's factor per sub-pixel
  double saved_clip = 6.0;    // bits saved per sub-pixel, clipped to [-clip, clip]
  double min_share = 1.0 / 64, max_share = 63.0 / 64;
};

class AdaptiveExpert {
 public:
  AdaptiveExpert(int64_t channels, int64_t height, int64_t width, const ExpertConstants& constants = {});
  // Steps are the PixelCNN's coding order: step = position * channels + colour. Each step is
  // predicted, then told its level and the two components' probabilities of it, in order.
  ExpertPrediction predict(int64_t step);
  void update(int64_t step, uint8_t level, double network_mass, double expert_mass);

 private:
  static constexpr int kMaxPredictors = 9;
  struct Neighbours {  // positions (index into a plane) of N, W, NW, NE; -1 where none
    int64_t n, w, nw, ne;
  };
  Neighbours neighbours(int64_t pos) const;
  // Sub-predictions at pos in colour ch (level units), into p; returns how many.
  int sub_predictions(int64_t pos, int64_t ch, double* p) const;
  double level(int64_t ch, int64_t pos) const { return value_[static_cast<size_t>(ch * plane_ + pos)]; }

  ExpertConstants k;
  int64_t c_, h_, w_, plane_;
  std::vector<double> value_;     // [C][H*W] levels decoded so far
  std::vector<double> sub_err_;   // [C][H*W][kMaxPredictors] |level - sub-prediction|
  std::vector<double> err_;       // [C][H*W] |level - prediction|
  std::vector<double> saved_;     // [C][H*W] bits the expert saved against the network, clipped
  std::vector<double> saved_sum_; // [C] over the image so far
  std::vector<double> err_sum_, recent_sum_, decayed_;  // [C] |level - prediction| and its estimate, summed
  double recent_ = 0;
  // Kept from predict(step) for update(step).
  double sub_[kMaxPredictors] = {};
  int subs_ = 0;
  double prediction_ = 0;
};

}  // namespace vlae::codec
