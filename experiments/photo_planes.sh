#!/usr/bin/env bash
# Where the expert loses to JPEG XL on a whole photograph: each colour plane alone, the planes of a
# reversible colour transform (YCoCg-R), and JPEG XL's own colour transform switched off and on.
# Prints bits per sub-pixel of
#   - JPEG XL (cjxl 0.7, `-d 0 -e 9 -E 3 -I 100`, as `vlae baselines`) on the photograph with its default (an RCT it picks),
#     with `-C 0` (RGB, no transform) and `-C 6` (YCoCg), and on each plane alone as a gray image;
#   - the adaptive expert alone (ideal bits, build/expert_tune - FILE train 1 rule=3; untiled, one
#     image) on the same, per colour in coding order.
# YCoCg-R's chroma planes are stored with 128 added and clipped to [0, 255] (the count clipped is
# printed); the expert needs 8-bit levels. Needs cjxl and djpeg (Debian's libjxl-tools and
# libjpeg-turbo-progs: installed if missing).
# Usage: experiments/photo_planes.sh [PHOTO ...]   (default: skimage's chelsea.png, coffee.png, rocket.jpg)
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
T="$ROOT/build/expert_tune"
SK="${VLAE_SKIMAGE_DATA:-/usr/lib/python3/dist-packages/skimage/data}"
[ $# -gt 0 ] || set -- "$SK/chelsea.png" "$SK/coffee.png" "$SK/rocket.jpg"
SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
command -v cjxl >/dev/null || $SUDO apt-get install -y libjxl-tools >/dev/null
command -v djpeg >/dev/null || $SUDO apt-get install -y libjpeg-turbo-progs >/dev/null
W="$(mktemp -d)"; trap 'rm -rf "$W"' EXIT
jxl() {  # VALUES FILE FLAGS...: bits per value (sub-pixel, or pixel of a plane) of cjxl's lossless file
  local n=$1 f=$2; shift 2
  cjxl "$f" "$W/o.jxl" -d 0 -e 9 -E 3 -I 100 "$@" >/dev/null 2>&1
  python3 -c "print('%.4f' % (8.0 * $(stat -c %s "$W/o.jxl") / $n))"
}
for photo in "$@"; do
  n="$(basename "${photo%.*}")"
  # The photograph as an RGB PNG (a JPEG decoded by djpeg), its six planes as gray PNGs.
  python3 - "$photo" "$W" <<'PY'
import struct, subprocess, sys, zlib
photo, w_dir = sys.argv[1], sys.argv[2]
def read_png(path):
    d = open(path, 'rb').read(); i = 8; idat = b''
    while i < len(d):
        n, = struct.unpack('>I', d[i:i+4]); t = d[i+4:i+8]; c = d[i+8:i+8+n]; i += 12 + n
        if t == b'IHDR': w, h, bd, ct, _, _, il = struct.unpack('>IIBBBBB', c)
        elif t == b'IDAT': idat += c
    assert bd == 8 and il == 0 and ct in (2, 6), 'an 8-bit RGB PNG'
    ch = 3 if ct == 2 else 4
    raw = zlib.decompress(idat); s = w * ch; out = bytearray(); prev = bytearray(s); p = 0
    for y in range(h):
        f = raw[p]; line = bytearray(raw[p+1:p+1+s]); p += 1 + s
        for x in range(s):
            a = line[x-ch] if x >= ch else 0; b = prev[x]; c = prev[x-ch] if x >= ch else 0
            if f == 1: line[x] = (line[x] + a) & 255
            elif f == 2: line[x] = (line[x] + b) & 255
            elif f == 3: line[x] = (line[x] + (a + b) // 2) & 255
            elif f == 4:
                q = a + b - c; pa, pb, pc = abs(q - a), abs(q - b), abs(q - c)
                line[x] = (line[x] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        out += line; prev = line
    rgb = bytearray(w * h * 3)
    for k in range(3): rgb[k::3] = out[k::ch]
    return w, h, bytes(rgb)
def write_png(path, w, h, ch, data):
    raw = b''.join(b'\x00' + data[y*w*ch:(y+1)*w*ch] for y in range(h))
    chunk = lambda t, c: struct.pack('>I', len(c)) + t + c + struct.pack('>I', zlib.crc32(t + c) & 0xffffffff)
    open(path, 'wb').write(b'\x89PNG\r\n\x1a\n' + chunk(b'IHDR', struct.pack('>IIBBBBB', w, h, 8, {1: 0, 3: 2}[ch], 0, 0, 0))
                           + chunk(b'IDAT', zlib.compress(raw, 9)) + chunk(b'IEND', b''))
if photo.lower().endswith('.png'):
    w, h, rgb = read_png(photo)
else:  # a JPEG: decoded by djpeg (libjpeg-turbo-progs)
    ppm = subprocess.run(['djpeg', '-pnm', photo], check=True, capture_output=True).stdout
    parts = ppm.split(maxsplit=4); w, h = int(parts[1]), int(parts[2]); rgb = parts[4][:w*h*3]
write_png(w_dir + '/rgb.png', w, h, 3, rgb)
open(w_dir + '/pixels', 'w').write(str(w * h))
ycc = bytearray(len(rgb)); clipped = 0
for i in range(0, len(rgb), 3):
    r, g, b = rgb[i], rgb[i+1], rgb[i+2]
    co = r - b; t = b + (co >> 1); cg = g - t; y = t + (cg >> 1)
    clipped += (not -128 <= co <= 127) + (not -128 <= cg <= 127)
    ycc[i], ycc[i+1], ycc[i+2] = y, min(255, max(0, co + 128)), min(255, max(0, cg + 128))
write_png(w_dir + '/ycocg.png', w, h, 3, bytes(ycc))
for k, name in enumerate(['R', 'G', 'B']): write_png(w_dir + '/%s.png' % name, w, h, 1, rgb[k::3])
for k, name in enumerate(['Y', 'Co', 'Cg']): write_png(w_dir + '/%s.png' % name, w, h, 1, bytes(ycc[k::3]))
print('%s: %dx%d, %d chroma values clipped to 8 bits in YCoCg-R' % (photo, w, h, clipped))
PY
  px=$(cat "$W/pixels")
  echo "  JPEG XL, the photograph: default $(jxl $((3 * px)) "$W/rgb.png"), -C 0 (RGB) $(jxl $((3 * px)) "$W/rgb.png" -C 0), -C 6 (YCoCg) $(jxl $((3 * px)) "$W/rgb.png" -C 6)"
  echo "  JPEG XL, each plane alone: $(for p in R G B Y Co Cg; do echo -n "$p $(jxl "$px" "$W/$p.png")  "; done)"
  for img in rgb ycocg; do
    echo "  expert, $img: $("$T" - "$W/$img.png" train 1 rule=3 | sed 's/.*expert \([0-9.]*\) network.*per colour \(.*\)/\1 (per colour in coding order: \2)/')"
  done
  echo "  expert, each plane alone: $(for p in R G B Y Co Cg; do echo -n "$p $("$T" - "$W/$p.png" train 1 rule=3 | sed 's/.*expert \([0-9.]*\) network.*/\1/')  "; done)"
done
