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
// Adaptive2 adds what a classical codec learns over a whole picture, carried from one image of a lane
// to the next (ExpertMemory): per error bucket, a log-scale offset, per bias context (CALIC, with the
// sign of the colour before's error here), a mean offset, and per colour a slope on that error, each
// learnt by gradient ascent on log p of the levels; the error sums of the scale's ratio; and a wider
// logistic for the residuals' tail. Adaptive3 adds a linear predictor over twelve causal
// neighbours, fitted by recursive least squares with forgetting (as in least-squares lossless
// coders, e.g. GLICBAWLS), its coefficients carried too.
//
// Invariants (files decode on every machine): every value is a pure function of the image's earlier
// sub-pixels in coding order, of the network's masses for them, and of the memory the image starts
// from, computed with IEEE +, -, *, / and util/det_math.h in one fixed order. The memory is a pure
// function of the lane's earlier images' levels (never of the network, so an encoder knows it
// before it picks any latent), and the lane split is in the file: batch and thread split change
// nothing. Changing any rule or constant here changes files: it is a new mixing id
// (coding/container.h).
#pragma once
#include <cstdint>
#include <vector>

namespace vlae::codec {

// The mixing rule a file was coded with (container byte): 0 the network alone, 1 this expert restarted
// with every image, 2 with its memory carried along each lane, its mean and scale learnt, 3 as 2 with
// a least-squares sub-predictor, 4 as 3 with each lane holding consecutive images (coding/lane_steps.h),
// so that the memory passes from an image to its neighbour in the data (a photograph's next tile).
enum class ExpertMixing : uint8_t { None = 0, Adaptive1 = 1, Adaptive2 = 2, Adaptive3 = 3, Adaptive4 = 4 };
constexpr uint8_t kLastExpertMixing = 4;

// The expert's logistic and its share in the mixture for one sub-pixel.
struct ExpertPrediction {
  double mean;       // [-1, 1] units (model/discretization.h)
  double log_scale;  // the logistic's, [-1, 1] units
  double share;      // in (0, 1): F = (1 - share) F_network + share F_expert
  // The expert's F is (1 - tail) L(mean, scale) + tail L(mean, tail_scale): a wider logistic for the
  // residuals' heavy tail (0: one logistic, as ExpertMixing::Adaptive1).
  double tail = 0;
  double tail_log_scale = 0;
};

// The rule's constants (level units where they are levels). The defaults are ExpertMixing::
// Adaptive1's, tuned on photos32's training patches with experiments/expert_tune.sh; expert_constants
// gives each id's; other values are for that tuning only (a file records the id, not the constants).
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
  // Adaptive2's (0 where Adaptive1 has nothing):
  double tail = 0;            // the wide logistic's weight in the expert's F
  double tail_ratio = 3;      // its scale over the narrow one's
  double scale_lr = 0;        // per error bucket, a log-scale offset learnt by gradient ascent on log p
  double mean_lr = 0;         // per bias context, a mean offset (levels) learnt the same way
  double colour_sign = 0;     // the colour before's error here: below -this, within, above (0: not in the context)
  double slope_lr = 0;        // per colour, a slope on that error (added to the mean), learnt the same way
  double carry_decay = 0.5;   // memory(): the error sums carried to the lane's next image, times this
  // Adaptive3's (0: none): a linear predictor fitted by recursive least squares as one more
  // sub-predictor, its weight times ls.
  double ls = 0;
  double ls_lambda = 0.99;    // its forgetting factor per sub-pixel of the colour
  double ls_delta = 100;      // P, the inverse of the features' covariance, starts at delta I
};

// Each rule's constants; ExpertMixing::None has none (Adaptive1's are returned).
ExpertConstants expert_constants(ExpertMixing mixing);
// Whether the rule carries a memory from one image of a lane to the next.
inline bool expert_carries(ExpertMixing mixing) {
  return mixing == ExpertMixing::Adaptive2 || mixing == ExpertMixing::Adaptive3 || mixing == ExpertMixing::Adaptive4;
}
// Whether the file's lanes hold consecutive images (else image i is on lane i % lanes).
inline bool expert_lanes_consecutive(ExpertMixing mixing) { return mixing == ExpertMixing::Adaptive4; }

// What the expert carries from one image of a lane to the next: functions of levels alone. Empty:
// a lane's first image (and every image under a rule that carries nothing).
struct ExpertMemory {
  std::vector<double> err_sum, recent_sum;  // [C]
  std::vector<double> scale_adj;            // [C][kScaleBuckets] log-scale offsets
  std::vector<double> mean_adj;             // [C][kBiasContexts] mean offsets, levels
  std::vector<double> slope;                // [C] on the colour before's error
  std::vector<double> ls_theta, ls_p;       // [C][kLsFeatures] coefficients, [C][kLsFeatures^2] P
};

class AdaptiveExpert {
 public:
  AdaptiveExpert(int64_t channels, int64_t height, int64_t width, const ExpertConstants& constants = {},
                 const ExpertMemory* memory = nullptr);
  // Steps are the PixelCNN's coding order: step = position * channels + colour. Each step is
  // predicted, then told its level and the two components' probabilities of it, in order.
  ExpertPrediction predict(int64_t step);
  void update(int64_t step, uint8_t level, double network_mass, double expert_mass);
  // What the lane's next image starts from, after every step of this one.
  ExpertMemory memory() const;
  static constexpr int kScaleBuckets = 11;  // by the recent error
  // The bias contexts: 3 signs of the colour before's error x 4 error buckets x sign(W - p) x sign(N - p).
  static constexpr int kBiasContexts = 48;

 private:
  static constexpr int kMaxPredictors = 10;
  static constexpr int kLsFeatures = 12;
  // The least-squares features at pos in colour ch, into f: differences to W of N, NW, NE, NN, WW,
  // NNE, NWW, NNW, and from the second colour on the colour before's here, N and NE to its W and its
  // level here to W (0 for the first colour). Returns W; the prediction is W + theta . f.
  double ls_features(int64_t pos, int64_t ch, double* f) const;
  std::vector<double> ls_theta_, ls_p_;  // per colour, as ExpertMemory's
  double ls_f_[kLsFeatures] = {};        // this step's features and W
  double ls_w_ = 0;
  int ls_at_ = -1;  // this step's least-squares sub-predictor index, -1 when none
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
  std::vector<double> serr_;      // [C][H*W] level - prediction
  std::vector<double> saved_;     // [C][H*W] bits the expert saved against the network, clipped
  std::vector<double> saved_sum_; // [C] over the image so far
  std::vector<double> err_sum_, recent_sum_, decayed_;  // [C] |level - prediction| and its estimate, summed
  double recent_ = 0;
  // Learnt offsets: log-scale per colour and error bucket, mean per colour and bias context.
  std::vector<double> scale_adj_, mean_adj_;
  std::vector<double> slope_;
  double prev_ = 0;  // the colour before's error at this step's position (levels, signed)
  int64_t scale_at_ = -1, bias_at_ = -1;  // this step's, -1 where not learnt
  double scale_ = 1;                       // the narrow logistic's scale this step (levels)
  // Kept from predict(step) for update(step).
  double sub_[kMaxPredictors] = {};
  int subs_ = 0;
  double prediction_ = 0;
};

}  // namespace vlae::codec
