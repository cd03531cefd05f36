#include "coding/tiling.h"

#include "coding/container.h"
#include "data/tiles.h"
#include "util/error.h"

namespace vlae {

void check_pictures_fit_model(const Images& x, const ModelConfig& c, const std::string& what) {
  if (x.channels != c.image_channels)
    throw InputError(what + ": images are " + describe_size(x) + ", the model is for " +
                     (c.image_channels == 3 ? "RGB" : "gray") + " images (" +
                     describe_size(c.image_channels, c.height, c.width) + ")");
  if (x.binary != (c.likelihood == Likelihood::Bernoulli))
    throw InputError(what + (x.binary ? ": binary images, but the model is for 8-bit data"
                                      : ": 8-bit images, but the model is binary (use --binarize static)"));
}

Images model_tiles(const Images& x, const ModelConfig& c) {
  if (x.height == c.height && x.width == c.width) return x;
  return to_tiles(x, c.height, c.width);
}

void check_file_fits_model(const CodedFile& f, const ModelConfig& c, const std::string& name) {
  if (f.channels != c.image_channels)
    throw InputError(name + ": " + (f.channels == 3 ? "RGB" : "gray") + " images, but the model is for " +
                     (c.image_channels == 3 ? "RGB" : "gray") + " images");
  if (f.binary != (c.likelihood == Likelihood::Bernoulli))
    throw InputError(name + ": pixel kind (binary or 8-bit) does not match the model");
  if (coded_images(f, c) > (int64_t(1) << 26)) throw InputError(name + ": too many tiles for one file");
}

int64_t coded_images(const CodedFile& f, const ModelConfig& c) {
  if (f.height == c.height && f.width == c.width) return f.count;
  return f.count * tile_grid(f.height, f.width, c.height, c.width).per_image();
}

Images untile(Images decoded, int64_t count, int64_t height, int64_t width) {
  if (decoded.height == height && decoded.width == width) return decoded;
  return from_tiles(decoded, count, height, width);
}

Images pictures_from_tiles(Images decoded, const CodedFile& f) {
  Images out = untile(std::move(decoded), f.count, f.height, f.width);
  out.names = f.names;
  return out;
}

}  // namespace vlae
