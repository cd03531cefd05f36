// Golden files: tiny committed models and files coded with them, decoded by every test run and
// by the clang build (scripts/fuzz) to the pixel checksums recorded when they were made. A change
// to anything on the coding path that alters a decoding fails here, so old files never break
// silently (a deliberate change is a new coding arithmetic id, coding/container.h).
// Usage: golden_decode GOLDEN_DIR   (reads GOLDEN_DIR/MANIFEST: "run file fnv1a-hex" per line)
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "coding/decompress.h"
#include "train/run.h"
#include "util/hash.h"

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: golden_decode GOLDEN_DIR\n";
    return 2;
  }
  const std::string dir = argv[1];
  std::ifstream manifest(dir + "/MANIFEST");
  if (!manifest) {
    std::cerr << "golden_decode: no " << dir << "/MANIFEST\n";
    return 2;
  }
  int bad = 0, checked = 0;
  std::string line;
  while (std::getline(manifest, line)) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream in(line);
    std::string run_name, file, want;
    in >> run_name >> file >> want;
    try {
      vlae::LoadedRun run = vlae::load_run(dir + "/" + run_name);
      std::ifstream f(dir + "/" + file, std::ios::binary);
      const std::string bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
      const vlae::Images x = vlae::decompress_file(run.model, bytes, file, false);
      char got[17];
      std::snprintf(got, sizeof got, "%016llx",
                    static_cast<unsigned long long>(vlae::fnv1a(x.pixels.data(), x.pixels.size())));
      ++checked;
      if (want != got) {
        std::cout << "golden: " << file << " decodes to " << got << ", recorded " << want << "\n";
        ++bad;
      }
    } catch (const std::exception& e) {
      std::cout << "golden: " << file << ": " << e.what() << "\n";
      ++bad;
    }
  }
  if (checked == 0) {
    std::cout << "golden: nothing to check in " << dir << "/MANIFEST\n";
    return 1;
  }
  if (bad == 0) std::cout << "golden: " << checked << " files decode to their recorded checksums\n";
  return bad == 0 ? 0 : 1;
}
