// CIFAR-10's binary version as its users download it (cifar-10-binary.tar.gz, extracted):
// DIR/data_batch_1.bin ... data_batch_5.bin (train) and DIR/test_batch.bin (test). Each record is
// one label byte and 3072 pixel bytes: the 32x32 R plane, then G, then B, each row-major, which
// is the planar layout of Images as it is.
#pragma once
#include <cstdint>
#include <string>

#include "data/images.h"

namespace vlae {

constexpr int64_t kCifarSide = 32, kCifarRecord = 1 + 3 * kCifarSide * kCifarSide;

// split: train | test. Throws InputError naming the file for a missing file or one whose length is
// not a whole number of records.
Images read_cifar10(const std::string& dir, const std::string& split);

}  // namespace vlae
