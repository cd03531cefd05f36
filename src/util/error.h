// Errors a user can fix (bad flag, missing or malformed file): the CLI prints one line and exits 2.
// Anything else that escapes is an internal error (exit 1).
#pragma once
#include <stdexcept>
#include <string>

namespace vlae {

struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

}  // namespace vlae
