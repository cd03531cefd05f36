# Sourced by the transform-coder experiments: code_refined RUN STEPS codes the first 2,000
# Fashion-MNIST test images with the transform coder in RUN, plain (RUN/plain.json) and with latents
# refined for STEPS steps (RUN/refined-STEPS.json, each image keeping its best rounded iterate),
# one thread, then decodes the refined file back (RUN/test.decoded-STEPS.idx). The JSON appears
# only when all three are done, so a stopped script redoes what it had not finished. Needs $V.
code_refined() {
  local d="$1" steps="$2"
  [ -f "$d/refined-$steps.json" ] && return
  [ -f "$d/plain.json" ] ||
    "$V" compress --lossy --run "$d" --limit 2000 --threads 1 -o "$d/test.plain.vlae" --json "$d/plain.json" > /dev/null
  "$V" compress --lossy --run "$d" --limit 2000 --threads 1 --refine-steps "$steps" -o "$d/test.lossy-$steps.vlae" \
    --json "$d/refined-$steps.tmp.json" > "$d/refined-$steps.log" 2>&1
  "$V" decompress --run "$d" "$d/test.lossy-$steps.vlae" -o "$d/test.decoded-$steps.idx" > /dev/null
  mv "$d/refined-$steps.tmp.json" "$d/refined-$steps.json"
}
