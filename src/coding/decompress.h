// One entry for decoding any vlae file: the payload kind in its header (container.h) picks the
// codec. Used by `vlae decompress`, the golden-file check and the fuzzer.
#pragma once
#include <string>

#include "data/images.h"
#include "model/vae.h"

namespace vlae {

// Throws InputError for a file that is not for this model or is corrupt (as each codec does).
Images decompress_file(VAE& model, const std::string& bytes, const std::string& name, bool progress,
                       bool verify_fingerprint = true);

}  // namespace vlae
