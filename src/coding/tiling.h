// What a codec codes for a user's pictures: the pictures themselves when they have the model's
// size, else every picture as tiles of the model's size (data/tiles.h), all in one chain. The file
// header keeps the pictures' true size, so the decoder knows the tiling and crops it away.
#pragma once
#include <cstdint>
#include <string>

#include "data/images.h"
#include "model/config.h"

namespace vlae {

struct CodedFile;

// Throws InputError (prefixed by `what`) unless x has the model's channel count and pixel kind.
void check_pictures_fit_model(const Images& x, const ModelConfig& c, const std::string& what);
// x, or its tiles when its size is not the model's.
Images model_tiles(const Images& x, const ModelConfig& c);
// Throws InputError naming the file unless its pictures have the model's channels and pixel kind.
void check_file_fits_model(const CodedFile& f, const ModelConfig& c, const std::string& name);
// How many model-sized images the payload of `f` codes.
int64_t coded_images(const CodedFile& f, const ModelConfig& c);
// `count` pictures of height x width from model-sized images: themselves when that is their size,
// else cropped from their tiles.
Images untile(Images decoded, int64_t count, int64_t height, int64_t width);
// The file's pictures from its decoded model-sized images (its names attached).
Images pictures_from_tiles(Images decoded, const CodedFile& f);

}  // namespace vlae
