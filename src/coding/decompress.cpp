#include "coding/decompress.h"

#include "coding/container.h"
#include "coding/lossless.h"
#include "coding/lossless_rec.h"
#include "coding/lossy.h"
#include "coding/lossy_rec.h"
#include "coding/transform_codec.h"
#include "util/error.h"

namespace vlae {

Images decompress_file(VAE& model, const std::string& bytes, const std::string& name, bool progress,
                       bool verify_fingerprint) {
  const CodedKind kind = parse_coded_file(bytes, name).kind;
  if (transform_coder_arch(model->config.arch) != (kind == CodedKind::Transform))
    throw InputError(name + (kind == CodedKind::Transform ? ": a transform code, and --run is not a transform coder"
                                                          : ": not a transform code, and --run is a transform coder"));
  switch (kind) {
    case CodedKind::Lossless: return decompress_lossless(model, bytes, name, progress, verify_fingerprint);
    case CodedKind::Lossy: return decompress_lossy(model, bytes, name, verify_fingerprint);
    case CodedKind::LossyRec: return decompress_rec(model, bytes, name, verify_fingerprint);
    case CodedKind::Transform: return decompress_transform(model, bytes, name, verify_fingerprint);
    case CodedKind::LosslessRec: return decompress_lossless_rec(model, bytes, name, progress, verify_fingerprint);
  }
  throw InputError(name + ": unknown payload kind");
}

}  // namespace vlae
