// The models behind the browser demo: a sweep's runs (one per β), their lossy grids and test images,
// and optionally a collapse study, loaded once and then only read. Everything a request returns
// comes from these models and the real codecs, computed per request.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "coding/lossy.h"
#include "data/images.h"
#include "experiments/study.h"
#include "experiments/sweep.h"
#include "model/vae.h"

namespace vlae {

struct DemoModel {
  double beta = 0;
  std::string run;
  VAE model{nullptr};
  LatentGrid grid;          // the sweep's lossy grid, read from its coded test file
  SweepRow summary;         // the sweep's results for this β
};

// A transform coder shown beside the sweep: its point is a real file of the page's test images.
struct DemoTransform {
  std::string name;  // the run folder's name
  double beta = 0;
  LossyReport code;  // the transform codec on Demo::test, decoded back
};

struct Demo {
  std::vector<DemoModel> models;  // sorted by β
  std::vector<DemoTransform> transforms;  // sorted by rate
  Images test;                    // the sweep's test images
  Images calibration;             // training images: relative-entropy coding's blocks come from them
  nlohmann::json baselines;       // JPEG/WebP points of the sweep
  std::string data;
  std::optional<StudyResults> study;  // the study's results (none when not given)
  std::string study_dir;

  // Loads DIR/results.json and every run it names, and codes the test images with each transform
  // coder run given (vlae serve --transform-run); throws InputError naming what is missing or
  // does not fit the sweep's images.
  static Demo load(const std::string& sweep_dir, const std::string& study_dir,
                   const std::vector<std::string>& transform_runs = {});

  nlohmann::json models_json() const;
  // The model for a request's "model": an integer is an index, a float a β of the sweep.
  const DemoModel& pick(const nlohmann::json& which) const;
  const DemoModel& pick_beta(const nlohmann::json& beta) const;
  // One image through one model: posterior, real lossy code and its reconstruction, bits-back costs.
  // codec: "grid" (the quantized posterior mean) or "rec" (an exact sample of q(z|x) by
  // relative-entropy coding); sample: also a draw of p(x|z) at the decoded z. Pure function of
  // its arguments: deterministic, no shared mutable state. Throws InputError for another codec.
  nlohmann::json reconstruct(const DemoModel& m, const Images& x, const std::string& codec = "grid",
                             bool sample = false) const;
  // The request's image: {"image": test index} or {"pixels": [D values 0..255]}; throws InputError.
  Images request_image(const nlohmann::json& req) const;
};

}  // namespace vlae
