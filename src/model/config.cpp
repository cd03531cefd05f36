#include "model/config.h"

#include <nlohmann/json.hpp>

#include "model/discretization.h"
#include "util/error.h"

namespace vlae {

std::string to_string(Likelihood l) {
  switch (l) {
    case Likelihood::Bernoulli: return "bernoulli";
    case Likelihood::Logistic: return "logistic";
    case Likelihood::Gaussian: return "gaussian";
    case Likelihood::LogisticMixture: return "logistic-mixture";
  }
  return "?";
}

Likelihood parse_likelihood(const std::string& s) {
  if (s == "bernoulli") return Likelihood::Bernoulli;
  if (s == "logistic") return Likelihood::Logistic;
  if (s == "gaussian") return Likelihood::Gaussian;
  if (s == "logistic-mixture") return Likelihood::LogisticMixture;
  throw InputError("unknown likelihood '" + s + "': expected bernoulli, logistic, gaussian or logistic-mixture");
}

nlohmann::json to_json(const ModelConfig& c) {
  nlohmann::json j = {{"arch", c.arch},       {"height", c.height}, {"width", c.width},       {"likelihood", to_string(c.likelihood)},
          {"latent_dim", c.latent_dim}, {"hidden", c.hidden}, {"channels", c.channels}, {"delta", c.delta},
          {"receptive_field", c.receptive_field}, {"pixel_layers", c.pixel_layers}, {"pixel_channels", c.pixel_channels},
          {"gated", c.gated}, {"prior", c.prior}, {"flow_layers", c.flow_layers}, {"flow_hidden", c.flow_hidden},
          {"ar1_alpha", c.ar1_alpha}, {"posterior", c.posterior}, {"iaf_layers", c.iaf_layers}};
  // Written only when not the default, so the fingerprints of models (and files) made before it
  // existed stay valid.
  if (c.pixel_stack != "single") j["pixel_stack"] = c.pixel_stack;
  if (c.hidden_layers != 1) j["hidden_layers"] = c.hidden_layers;
  if (c.image_channels != 1) j["image_channels"] = c.image_channels;
  if (c.pixel_context != "colour") j["pixel_context"] = c.pixel_context;
  if (c.pixel_linear) j["pixel_linear"] = c.pixel_linear;
  if (c.gdn) j["gdn"] = true;
  if (c.mixed_quantization) j["mixed_quantization"] = true;
  if (c.hyper_channels) j["hyper_channels"] = c.hyper_channels;
  if (c.hard_quantization) j["hard_quantization"] = true;
  if (c.likelihood == Likelihood::LogisticMixture) j["logistic_mixtures"] = c.logistic_mixtures;
  return j;
}

void validate(const ModelConfig& c) {
  if (c.arch != "mlp" && c.arch != "conv" && c.arch != "pixelcnn" && c.arch != "vlae" && c.arch != "factorized" &&
      c.arch != "hyperprior")
    throw InputError("--model: expected mlp, conv, pixelcnn, vlae, factorized or hyperprior, got '" + c.arch + "'");
  if (c.height <= 0 || c.width <= 0 || c.latent_dim <= 0 || c.hidden <= 0 || c.channels <= 0 || c.pixel_channels <= 0)
    throw InputError("model sizes (--latent-dim, --hidden, --channels, --pixel-channels) must be positive");
  if (c.image_channels != 1 && c.image_channels != 3) throw InputError("images must have 1 (gray) or 3 (RGB) channels");
  if (c.image_channels != 1 && c.likelihood == Likelihood::Bernoulli)
    throw InputError("binary (Bernoulli) models are for gray images");
  if (c.image_channels == 3 && c.autoregressive_decoder() && c.pixel_channels < 3)
    throw InputError("--pixel-channels: a colour PixelCNN needs at least 3 (its channels split into R, G and B groups)");
  if (c.hard_quantization && c.arch != "factorized" && c.arch != "hyperprior")
    throw InputError("--hard-quantization: for transform coders (--model factorized or hyperprior)");
  if (c.hyper_channels < 0) throw InputError("hyper_channels: expected 0 (as channels) or positive");
  if (c.hidden_layers < 1 || c.hidden_layers > 8) throw InputError("--hidden-layers: expected 1..8");
  if (c.receptive_field != "full" && c.receptive_field != "local")
    throw InputError("--receptive-field: expected full or local, got '" + c.receptive_field + "'");
  if (c.pixel_layers < 0 || c.pixel_layers > 64) throw InputError("--pixel-layers: expected 0..64");
  if (c.pixel_stack != "single" && c.pixel_stack != "vh")
    throw InputError("--pixel-stack: expected single or vh, got '" + c.pixel_stack + "'");
  if (c.pixel_context != "colour" && c.pixel_context != "gray")
    throw InputError("--pixel-context: expected colour or gray, got '" + c.pixel_context + "'");
  if (c.pixel_linear != 0 && (c.pixel_linear < 3 || c.pixel_linear > 15 || c.pixel_linear % 2 == 0))
    throw InputError("--pixel-linear: expected 0 (none) or an odd kernel size 3..15, got " + std::to_string(c.pixel_linear));
  if (c.pixel_linear != 0 && !c.autoregressive_decoder())
    throw InputError("--pixel-linear: for the PixelCNN decoders (--model pixelcnn or vlae)");
  if (c.prior != "normal" && c.prior != "af" && c.prior != "ar1")
    throw InputError("--prior: expected normal, af or ar1, got '" + c.prior + "'");
  if (c.flow_layers < 1 || c.flow_layers > 16 || c.flow_hidden <= 0)
    throw InputError("--flow-layers: expected 1..16 and --flow-hidden positive");
  if (!(c.ar1_alpha > 0.0 && c.ar1_alpha < 1.0)) throw InputError("--ar1-alpha: expected a value in (0, 1)");
  if (c.delta < 0) throw InputError("--delta must be >= 0");
  if (c.posterior != "diag" && c.posterior != "iaf")
    throw InputError("--posterior: expected diag or iaf, got '" + c.posterior + "'");
  if (c.iaf_layers < 1 || c.iaf_layers > 16) throw InputError("--iaf-layers: expected 1..16");
  if ((c.arch == "factorized" || c.arch == "hyperprior") &&
      (c.likelihood != Likelihood::Gaussian || c.prior != "normal" || c.posterior != "diag" || c.delta != 0))
    throw InputError("--model " + c.arch + ": a transform coder trains for squared error (--likelihood gaussian, "
                     "not binarized data) and has its own entropy model (no --prior, --posterior or --delta)");
  if (c.gdn && c.arch != "factorized" && c.arch != "hyperprior")
    throw InputError("--gdn: for the transform coders (--model factorized or hyperprior)");
  if (c.mixed_quantization && c.arch != "factorized" && c.arch != "hyperprior")
    throw InputError("--mixed-quantization: for the transform coders (--model factorized or hyperprior)");
  if (c.likelihood == Likelihood::Gaussian && c.autoregressive_decoder())
    throw InputError("--likelihood gaussian: for the mlp and conv decoders only (PixelCNN decoders use logistic)");
  if (c.likelihood == Likelihood::LogisticMixture && !c.autoregressive_decoder())
    throw InputError("--likelihood logistic-mixture: for the PixelCNN decoders (--model pixelcnn or vlae)");
  if (c.logistic_mixtures < 1 || c.logistic_mixtures > kMaxLogisticMixtures)
    throw InputError("--logistic-mixtures: expected 1.." + std::to_string(kMaxLogisticMixtures));
}

ModelConfig model_config_from_json(const nlohmann::json& j) {
  try {
    ModelConfig c;
    c.arch = j.at("arch").get<std::string>();
    c.height = j.at("height").get<int64_t>();
    c.width = j.at("width").get<int64_t>();
    c.image_channels = j.value("image_channels", c.image_channels);
    c.pixel_context = j.value("pixel_context", c.pixel_context);
    c.pixel_linear = j.value("pixel_linear", c.pixel_linear);
    c.gdn = j.value("gdn", c.gdn);
    c.mixed_quantization = j.value("mixed_quantization", c.mixed_quantization);
    c.hyper_channels = j.value("hyper_channels", c.hyper_channels);
    c.hard_quantization = j.value("hard_quantization", c.hard_quantization);
    c.likelihood = parse_likelihood(j.at("likelihood").get<std::string>());
    c.logistic_mixtures = j.value("logistic_mixtures", c.logistic_mixtures);
    c.latent_dim = j.at("latent_dim").get<int64_t>();
    c.hidden = j.value("hidden", c.hidden);
    c.hidden_layers = j.value("hidden_layers", c.hidden_layers);
    c.channels = j.value("channels", c.channels);
    c.delta = j.value("delta", 0.0);
    c.receptive_field = j.value("receptive_field", c.receptive_field);
    c.pixel_layers = j.value("pixel_layers", c.pixel_layers);
    c.pixel_channels = j.value("pixel_channels", c.pixel_channels);
    c.gated = j.value("gated", c.gated);
    c.pixel_stack = j.value("pixel_stack", c.pixel_stack);
    c.prior = j.value("prior", c.prior);
    c.flow_layers = j.value("flow_layers", c.flow_layers);
    c.flow_hidden = j.value("flow_hidden", c.flow_hidden);
    c.ar1_alpha = j.value("ar1_alpha", c.ar1_alpha);
    c.posterior = j.value("posterior", c.posterior);
    c.iaf_layers = j.value("iaf_layers", c.iaf_layers);
    validate(c);
    return c;
  } catch (const nlohmann::json::exception& e) {
    throw InputError(std::string("model config: ") + e.what());
  }
}

}  // namespace vlae
