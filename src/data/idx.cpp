#include "data/idx.h"

#include <zlib.h>

#include <filesystem>

#include "util/atomic_file.h"
#include "util/error.h"

namespace vlae {

namespace {
uint32_t be32(const unsigned char* p) {
  return (uint32_t(p[0]) << 24) | (uint32_t(p[1]) << 16) | (uint32_t(p[2]) << 8) | uint32_t(p[3]);
}
void put_be32(std::string& s, uint32_t v) {
  for (int k = 3; k >= 0; --k) s.push_back(static_cast<char>((v >> (8 * k)) & 0xff));
}
}  // namespace

Images read_idx_images(const std::string& path) {
  if (!std::filesystem::is_regular_file(path)) throw InputError(path + ": no such file");
  // gzread reads gzip and raw files alike.
  gzFile f = gzopen(path.c_str(), "rb");
  if (!f) throw InputError(path + ": cannot open");
  struct Closer {
    gzFile f;
    ~Closer() { gzclose(f); }
  } closer{f};
  unsigned char header[20];
  if (gzread(f, header, 16) != 16) throw InputError(path + ": truncated IDX header");
  const uint32_t magic = be32(header);
  // 0x803: unsigned bytes [n, h, w] (gray); 0x804: [n, c, h, w], c = 1 or 3 (planar colour).
  if (magic != 0x00000803u && magic != 0x00000804u)
    throw InputError(path + ": not an IDX image file (magic " + std::to_string(magic) + ", expected 2051 or 2052)");
  const bool four = magic == 0x00000804u;
  if (four && gzread(f, header + 16, 4) != 4) throw InputError(path + ": truncated IDX header");
  const uint32_t n = be32(header + 4), c = four ? be32(header + 8) : 1, h = be32(header + (four ? 12 : 8)),
                 w = be32(header + (four ? 16 : 12));
  if (c != 1 && c != 3) throw InputError(path + ": " + std::to_string(c) + " channels (vlae reads 1 or 3)");
  if (n == 0 || h == 0 || w == 0 || h > 4096 || w > 4096 || uint64_t(n) * c * h * w > (uint64_t(1) << 32))
    throw InputError(path + ": implausible IDX sizes " + std::to_string(n) + "x" + std::to_string(h) + "x" +
                     std::to_string(w));
  Images out;
  out.count = n;
  out.channels = c;
  out.height = h;
  out.width = w;
  out.pixels.resize(size_t(n) * c * h * w);
  size_t got = 0;
  while (got < out.pixels.size()) {
    const unsigned chunk = static_cast<unsigned>(std::min<size_t>(out.pixels.size() - got, 1u << 30));
    const int r = gzread(f, out.pixels.data() + got, chunk);
    if (r <= 0) break;
    got += size_t(r);
  }
  int errnum = 0;
  gzerror(f, &errnum);
  if (errnum != Z_OK && errnum != Z_STREAM_END) throw InputError(path + ": corrupt gzip stream");
  if (got != out.pixels.size())
    throw InputError(path + ": truncated: header says " + std::to_string(out.pixels.size()) + " pixel bytes, file has " +
                     std::to_string(got));
  unsigned char extra;
  if (gzread(f, &extra, 1) == 1) throw InputError(path + ": trailing data after the images the header declares");
  return out;
}

void write_idx_images(const std::string& path, const Images& images) {
  std::string s;
  s.reserve(16 + images.pixels.size());
  put_be32(s, images.channels == 1 ? 0x00000803u : 0x00000804u);
  put_be32(s, static_cast<uint32_t>(images.count));
  if (images.channels != 1) put_be32(s, static_cast<uint32_t>(images.channels));
  put_be32(s, static_cast<uint32_t>(images.height));
  put_be32(s, static_cast<uint32_t>(images.width));
  for (uint8_t v : images.pixels) s.push_back(static_cast<char>(images.binary ? (v ? 255 : 0) : v));
  write_file_atomic(path, s);
}

}  // namespace vlae
