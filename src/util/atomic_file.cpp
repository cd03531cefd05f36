#include "util/atomic_file.h"

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "util/error.h"

namespace fs = std::filesystem;

namespace vlae {

namespace {
std::string temp_sibling(const std::string& path) {
  fs::path p(path);
  return (p.parent_path() / ("." + p.filename().string() + ".tmp." + std::to_string(::getpid()))).string();
}
}  // namespace

void write_atomic_with(const std::string& path, const std::function<void(const std::string&)>& write) {
  fs::path p(path);
  if (!p.parent_path().empty() && !fs::is_directory(p.parent_path()))
    throw InputError(path + ": directory " + p.parent_path().string() + " does not exist");
  const std::string tmp = temp_sibling(path);
  try {
    write(tmp);
    std::error_code ec;
    fs::rename(tmp, path, ec);
    if (ec) throw InputError(path + ": cannot write (" + ec.message() + ")");
  } catch (...) {
    std::error_code ec;
    fs::remove(tmp, ec);
    throw;
  }
}

void write_file_atomic(const std::string& path, const std::string& bytes) {
  write_atomic_with(path, [&](const std::string& tmp) {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) throw InputError(path + ": cannot open for writing");
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.flush();
    if (!out) throw InputError(path + ": write failed (disk full?)");
  });
}

std::string read_file(const std::string& path) {
  if (fs::is_directory(path)) throw InputError(path + ": is a directory, expected a file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot open (missing or unreadable)");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace vlae
