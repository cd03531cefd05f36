// Atomic output: write to a temporary sibling, then rename over the target, so a reader (or a crash)
// never sees a half-written file and whatever the user had stays until the new file is complete.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace vlae {

// Writes `bytes` to `path` atomically. Throws InputError if the directory is not writable.
void write_file_atomic(const std::string& path, const std::string& bytes);

// Calls `write(tmp_path)` to produce the file, then renames tmp_path to `path`.
// On exception the temporary is removed and `path` is left untouched.
void write_atomic_with(const std::string& path, const std::function<void(const std::string&)>& write);

std::string read_file(const std::string& path);  // throws InputError naming the file

}  // namespace vlae
