// Test helpers: temporary directories, small real data, tiny trained runs, and running the CLI.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "data/images.h"
#include "train/run.h"

namespace vlae::test {

std::string temp_dir(const std::string& name);  // fresh, empty
Images fashion(int64_t n, bool binary = false, const std::string& split = "test");
// A named data set's split (`--data NAME --split SPLIT`), whole.
Images split_of(const std::string& data, const std::string& split);
// n pictures of c x h x w with smooth structure plus noise (so codecs have something to find).
Images pictures(int64_t n, int64_t c, int64_t h, int64_t w, uint64_t seed = 1);
// Trains (once per process and settings) a tiny MLP run on Fashion-MNIST; returns its directory.
std::string tiny_run(bool binary, int64_t epochs = 1, Likelihood eight_bit = Likelihood::Logistic);

struct CliResult {
  int code;
  std::string output;  // stdout and stderr
};
CliResult run_cli(const std::string& args);
void write_bytes(const std::string& path, const std::string& bytes);
// Runs f and expects an InputError whose message contains `fragment`.
void expect_input_error(const std::function<void()>& f, const std::string& fragment);
// Runs the CLI and expects exit code 2 with an error naming `fragment`; with `one_line`, exactly one line.
void expect_usage_error(const std::string& args, const std::string& fragment, bool one_line = true);
// Samples z[j][run] of a diagonal Gaussian posterior: per dimension, the mean within 4 standard
// errors, the variance within 10% and the KS statistic below the 1% critical value.
void expect_samples_of_posterior(std::vector<std::vector<double>> z, const std::vector<double>& mean,
                                 const std::vector<double>& sd);

}  // namespace vlae::test
