// Widening a transform coder: a model with N' > N hidden channels in its analysis and synthesis
// transforms that computes exactly what the N-channel model computes (Net2Net's function-preserving
// growth, Chen et al. 2016, with zeros instead of copies), so training it goes on from the narrow
// model's rate and distortion instead of from scratch.
//
// Every weight of the narrow model is copied into the same place of the wide one. Of the new
// weights, those from a new hidden channel into an old one are zero (conv weights [out, in, ...],
// transposed-conv weights [in, out, ...], GDN's γ[old, new]); the rest keep their fresh
// initialization. So the new channels compute something from the first step but add nothing to the
// output until training moves their zero outgoing weights, whose gradients are not zero. The
// latents y keep their M channels, and the hyperprior (h_a, h_s, z and its density) is copied
// whole: the wide model's hyper_channels is the narrow model's hyperprior width.
#pragma once
#include "model/transform_coder.h"

namespace vlae {

// The configuration of `narrow` widened to `channels` hidden channels (InputError unless it is a
// transform coder and channels is larger than its own).
ModelConfig widened_config(const ModelConfig& narrow, int64_t channels);
// Copies narrow's weights into wide (built from widened_config) as above.
void widen_transform_coder(TransformCoderImpl& narrow, TransformCoderImpl& wide);

}  // namespace vlae
