// The vlae demo page: every number and image comes from the server's models and codecs.
'use strict';

const $ = (id) => document.getElementById(id);
const state = { info: null, model: 0, codec: 'grid', sample: false, source: { kind: 'test', index: 0 }, seq: 0, shown: 0, last: null, drawing: false,
  movedAt: 0, latencies: [] };  // latencies: slider move -> page updated, ms
window.vlae = state;  // for the browser tests

const fmt = (x, d) => (x === undefined || x === null || !isFinite(x) ? '–' : Number(x).toFixed(d));

// pixels: gray (w * h) or colour (3 planes of w * h: R, then G, then B), as the server sends them.
function drawPixels(canvas, pixels, w, h) {
  const off = document.createElement('canvas');
  off.width = w; off.height = h;
  const ctx = off.getContext('2d');
  const img = ctx.createImageData(w, h);
  const n = w * h, colour = pixels.length === 3 * n;
  for (let i = 0; i < n; i++) {
    img.data[4 * i] = pixels[i];
    img.data[4 * i + 1] = colour ? pixels[n + i] : pixels[i];
    img.data[4 * i + 2] = colour ? pixels[2 * n + i] : pixels[i];
    img.data[4 * i + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
  const c = canvas.getContext('2d');
  c.imageSmoothingEnabled = false;
  c.clearRect(0, 0, canvas.width, canvas.height);
  c.drawImage(off, 0, 0, canvas.width, canvas.height);
}

function svg(tag, attrs, text) {
  const e = document.createElementNS('http://www.w3.org/2000/svg', tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  if (text !== undefined) e.textContent = text;
  return e;
}

function renderLatent(post) {
  const root = $('latent');
  root.innerHTML = '';
  const k = post.mean.length, W = 520, left = 34, right = 6, bw = (W - left - right) / k;
  const klBits = post.kl_nats.map((x) => x / Math.LN2);
  const maxKl = Math.max(1, ...klBits);
  // KL bars (top, 0..110 px).
  root.appendChild(svg('text', { x: 2, y: 12, 'font-size': 10, fill: '#5a6272' }, 'KL bits'));
  root.appendChild(svg('text', { x: 2, y: 112, 'font-size': 10, fill: '#5a6272' }, '0'));
  root.appendChild(svg('text', { x: 2, y: 24, 'font-size': 10, fill: '#5a6272' }, fmt(maxKl, 1)));
  // Posterior vs prior (bottom, z in [-3, 3] over 130..240 px).
  const zy = (z) => 185 - Math.max(-3, Math.min(3, z)) * 18;
  root.appendChild(svg('rect', { x: left, y: zy(1), width: W - left - right, height: zy(-1) - zy(1), fill: '#eef1f7' }));
  root.appendChild(svg('line', { x1: left, x2: W - right, y1: zy(0), y2: zy(0), stroke: '#c5ccd9' }));
  root.appendChild(svg('text', { x: 2, y: zy(1) + 4, 'font-size': 10, fill: '#5a6272' }, '+1'));
  root.appendChild(svg('text', { x: 2, y: zy(-1) + 4, 'font-size': 10, fill: '#5a6272' }, '−1'));
  for (let i = 0; i < k; i++) {
    const dead = !post.sent[i];
    const x = left + i * bw, h = (klBits[i] / maxKl) * 96;
    const colour = dead ? '#b8bec9' : '#3867d6';
    const bar = svg('rect', { x: x + 1, y: 110 - h, width: Math.max(1, bw - 2), height: Math.max(0.5, h), fill: colour,
                              class: dead ? 'kl dead' : 'kl live' });
    bar.appendChild(svg('title', {}, `z${i}: KL ${fmt(klBits[i], 3)} bits${dead ? ' (dead: not sent)' : ''}`));
    root.appendChild(bar);
    const cx = x + bw / 2, m = post.mean[i], s = post.std[i];
    root.appendChild(svg('line', { x1: cx, x2: cx, y1: zy(m - s), y2: zy(m + s), stroke: colour, 'stroke-width': Math.max(1, bw / 3) }));
    root.appendChild(svg('circle', { cx, cy: zy(m), r: Math.min(3, bw / 2), fill: dead ? '#8d95a3' : '#1d2330' }));
  }
  root.appendChild(svg('text', { x: left, y: 248, 'font-size': 10, fill: '#5a6272' },
    `${post.sent.filter((s) => s).length} of ${k} dimensions sent`));
}

function renderChart() {
  const root = $('rd-chart');
  root.innerHTML = '';
  const info = state.info, W = 640, H = 360, L = 50, R = 120, T = 12, B = 40;
  const vae = info.models.map((m, i) => ({ x: m.bits_per_pixel, y: m.psnr_db, i }));
  const series = [{ name: 'VAE (real files)', pts: vae, colour: '#3867d6' }];
  const transforms = (info.transforms || []).map((t) => ({ x: t.bits_per_pixel, y: t.psnr_db })).sort((a, b) => a.x - b.x);
  if (transforms.length) series.push({ name: 'transform (files)', pts: transforms, colour: '#d81b60' });
  for (const [codec, colour, name] of [['jpeg', '#e67e22', 'JPEG'], ['webp', '#27ae60', 'WebP'], ['jpegxl', '#8e44ad', 'JPEG XL'], ['avif', '#c0392b', 'AVIF']]) {
    const pts = info.baselines.filter((p) => p.codec === codec && p.form === 'atlas')
      .map((p) => ({ x: p.bits_per_pixel, y: p.psnr_db })).sort((a, b) => a.x - b.x);
    if (pts.length) series.push({ name: name + ' (atlas)', pts, colour });
  }
  const all = series.flatMap((s) => s.pts).filter((p) => isFinite(p.x) && isFinite(p.y));
  const xmax = Math.min(2.0, Math.max(...all.map((p) => p.x))) * 1.05;
  const ys = all.filter((p) => p.x <= xmax).map((p) => p.y);
  const ymin = Math.floor(Math.min(...ys)) - 1, ymax = Math.ceil(Math.max(...ys)) + 1;
  const sx = (x) => L + (x / xmax) * (W - L - R), sy = (y) => T + (1 - (y - ymin) / (ymax - ymin)) * (H - T - B);
  root.appendChild(svg('line', { x1: L, x2: W - R, y1: H - B, y2: H - B, stroke: '#888' }));
  root.appendChild(svg('line', { x1: L, x2: L, y1: T, y2: H - B, stroke: '#888' }));
  for (let t = 0; t <= 4; t++) {
    const x = (xmax * t) / 4, y = ymin + ((ymax - ymin) * t) / 4;
    root.appendChild(svg('text', { x: sx(x) - 10, y: H - B + 14, 'font-size': 10 }, fmt(x, 2)));
    root.appendChild(svg('text', { x: 8, y: sy(y) + 3, 'font-size': 10 }, fmt(y, 1)));
  }
  root.appendChild(svg('text', { x: (W - R) / 2 - 30, y: H - 6, 'font-size': 11 }, 'bits per pixel'));
  root.appendChild(svg('text', { x: L + 6, y: T + 10, 'font-size': 11 }, 'PSNR dB'));
  series.forEach((s, n) => {
    const pts = s.pts.filter((p) => p.x <= xmax);
    if (pts.length) root.appendChild(svg('polyline', { points: pts.map((p) => `${sx(p.x)},${sy(p.y)}`).join(' '), fill: 'none', stroke: s.colour, 'stroke-width': 1.5 }));
    for (const p of pts) root.appendChild(svg('circle', { cx: sx(p.x), cy: sy(p.y), r: 2.5, fill: s.colour }));
    root.appendChild(svg('rect', { x: W - R + 10, y: T + 10 + n * 18, width: 10, height: 10, fill: s.colour }));
    root.appendChild(svg('text', { x: W - R + 24, y: T + 19 + n * 18, 'font-size': 10 }, s.name));
  });
  root.appendChild(svg('circle', { id: 'rd-current', r: 7, fill: 'none', stroke: '#c0392b', 'stroke-width': 2 }));
  root.appendChild(svg('text', { id: 'rd-current-label', 'font-size': 10, fill: '#c0392b' }, ''));
  state.chart = { sx, sy, xmax, vae };
}

// Moves the ring to the current model (the chart itself is drawn once).
function markChart() {
  const { sx, sy, xmax, vae } = state.chart, cur = vae[state.model];
  const ring = $('rd-current'), label = $('rd-current-label');
  if (!cur || !isFinite(cur.x)) { ring.setAttribute('visibility', 'hidden'); return; }
  const x = sx(Math.min(cur.x, xmax)), y = sy(cur.y);
  ring.setAttribute('visibility', 'visible');
  ring.setAttribute('cx', x);
  ring.setAttribute('cy', y);
  label.setAttribute('x', x + 9);
  label.setAttribute('y', y - 8);
  label.textContent = `β = ${state.info.models[state.model].beta}`;
}

function renderTransforms() {
  const ts = state.info.transforms || [];
  if (!ts.length) return;
  $('transforms').hidden = false;
  const rows = [['transform coder', 'β', 'bits/pixel', 'PSNR dB', 'SSIM']];
  const esc = (x) => String(x).replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
  for (const t of ts) rows.push([esc(t.name), t.beta, fmt(t.bits_per_pixel, 3), fmt(t.psnr_db, 2), fmt(t.ssim, 3)]);
  $('transform-table').innerHTML = rows.map((r, i) => '<tr>' + r.map((c) => (i ? `<td>${c}</td>` : `<th>${c}</th>`)).join('') + '</tr>').join('');
}

function renderStudy() {
  const study = state.info.study;
  if (!study) return;
  $('study').hidden = false;
  const rows = [['model', 'KL nats', 'active units', 'IWAE NLL nats', 'lossless bits/dim']];
  for (const m of study.models)
    rows.push([m.name, fmt(m.rate_nats, 2), m.active_units, fmt(m.iwae_nll_nats, 2), fmt(m.lossless_bits_per_dim, 4)]);
  $('study-table').innerHTML = rows.map((r, i) => '<tr>' + r.map((c) => (i ? `<td>${c}</td>` : `<th>${c}</th>`)).join('') + '</tr>').join('');
  $('study-figures').innerHTML = study.models.map((m) =>
    `<figure><img src="${m.figures.lossy_code}" alt="lossy code of ${m.name}"><figcaption>${m.name}: KL ${fmt(m.rate_nats, 1)} nats, ${m.active_units} active</figcaption></figure>`).join('');
}

function render(r) {
  drawPixels($('input'), r.input, r.width, r.height);
  drawPixels($('recon'), r.reconstruction, r.width, r.height);
  renderLatent(r.posterior);
  $('beta-value').textContent = r.beta;
  const f = r.fidelity;
  $('fidelity').textContent = fmt(f.percent, 1);
  $('fidelity-bar').style.width = `${Math.max(0, Math.min(100, f.percent))}%`;
  $('psnr').textContent = fmt(f.psnr_db, 2);
  $('ssim').textContent = fmt(f.ssim, 3);
  $('fidelity-def').textContent = `Fidelity % = ${f.percent_definition}.`;
  const l = r.lossy;
  $('lossy-bits').textContent = fmt(l.coded_bits, 1);
  $('bpp').textContent = fmt(l.bits_per_pixel, 4);
  $('ratio').textContent = fmt(l.compression_ratio, 1);
  $('raw-bits').textContent = l.raw_bits;
  $('kl-bits').textContent = fmt(l.kl_bits, 1);
  $('over-kl').textContent = fmt(l.coded_bits / Math.max(l.kl_bits, 1e-9), 2);
  $('codec-note').textContent = r.codec === 'rec'
    ? `Decoded from the real lossy file: an exact sample of q(z|x) sent by relative-entropy coding (the index of a shared candidate from the prior, ${r.rec.blocks} block${r.rec.blocks === 1 ? "" : "s"}), decoder mean at that sample. Its bits track the KL.`
    : 'Decoded from the real lossy file: the posterior mean coded on the model\'s grid with rANS, decoded back, decoder mean.';
  const showSample = Boolean(r.sample);
  $('sample').hidden = !showSample;
  $('sample-note').hidden = !showSample;
  if (showSample) drawPixels($('sample'), r.sample, r.width, r.height);
  $('file-bytes').textContent = l.file_bytes;
  const b = r.bits_back;
  $('gain').textContent = fmt(b.gain_percent, 1);
  $('gain-bar').style.width = `${Math.max(0, Math.min(100, b.gain_percent))}%`;
  $('naive').textContent = fmt(b.naive_bits, 1);
  $('back').textContent = fmt(b.bits_back, 1);
  $('net').textContent = fmt(b.net_bits, 1);
  $('neg-elbo').textContent = fmt(b.neg_elbo_bits, 1);
  $('rate-bits').textContent = fmt(r.rate_bits, 2);
  $('distortion-bits').textContent = fmt(r.distortion_bits, 2);
  $('loss-bits').textContent = fmt(r.loss_nats / Math.LN2, 2);
  markChart();
}

function requestBody() {
  const body = { model: state.model, codec: state.codec, sample: state.sample };
  if (state.source.kind === 'test') body.image = state.source.index;
  else body.pixels = state.source.pixels;
  return body;
}

async function update() {
  const seq = ++state.seq;
  const status = $('status');
  status.dataset.ready = 'false';
  const t0 = performance.now();
  const res = await fetch('/api/reconstruct', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(requestBody()) });
  const r = await res.json();
  const t1 = performance.now();
  if (seq !== state.seq) return;  // a newer request is on its way
  if (!res.ok) {
    status.textContent = `error: ${r.error}`;
    status.dataset.ready = 'error';
    return;
  }
  state.last = r;
  render(r);
  state.timing = { request_ms: t1 - t0, render_ms: performance.now() - t1 };
  state.shown = seq;
  if (state.movedAt) {
    // Measured once the new frame is painted.
    const moved = state.movedAt;
    state.movedAt = 0;
    requestAnimationFrame(() => setTimeout(() => state.latencies.push(performance.now() - moved), 0));
  }
  status.textContent = `model β = ${r.beta}: updated in ${fmt(performance.now() - t0, 0)} ms`;
  status.dataset.ready = 'true';
  status.dataset.seq = String(seq);
}

function setSource(source, label) {
  state.source = source;
  $('input-source').textContent = label;
  update();
}

// Drawing: white strokes on black, at the model's resolution.
// The model's input from a canvas: luma for a gray model, the R, G and B planes for a colour one.
function canvasPixels(ctx, w, h) {
  const d = ctx.getImageData(0, 0, w, h).data, px = [];
  if (state.info.channels === 3) {
    for (let c = 0; c < 3; c++) for (let i = 0; i < w * h; i++) px.push(d[4 * i + c]);
    return px;
  }
  for (let i = 0; i < w * h; i++) px.push(Math.round(0.299 * d[4 * i] + 0.587 * d[4 * i + 1] + 0.114 * d[4 * i + 2]));
  return px;
}

function setupDrawing() {
  const canvas = $('input'), w = state.info.width, h = state.info.height;
  const pad = document.createElement('canvas');
  pad.width = w; pad.height = h;
  const pctx = pad.getContext('2d', { willReadFrequently: true });
  const start = () => {
    state.drawing = true;
    pctx.fillStyle = '#000';
    pctx.fillRect(0, 0, w, h);
    drawPixels(canvas, new Array(w * h * (state.info.channels || 1)).fill(0), w, h);
    $('input-source').textContent = 'drawing: drag on the input';
  };
  const paint = (e) => {
    const r = canvas.getBoundingClientRect();
    const x = ((e.clientX - r.left) / r.width) * w, y = ((e.clientY - r.top) / r.height) * h;
    pctx.fillStyle = '#fff';
    pctx.beginPath();
    pctx.arc(x, y, 1.3, 0, 2 * Math.PI);
    pctx.fill();
    drawPixels(canvas, canvasPixels(pctx, w, h), w, h);
  };
  let down = false;
  $('draw').onclick = start;
  $('clear').onclick = start;
  canvas.addEventListener('pointerdown', (e) => { if (state.drawing) { down = true; paint(e); } });
  canvas.addEventListener('pointermove', (e) => { if (down) paint(e); });
  window.addEventListener('pointerup', () => {
    if (!down) return;
    down = false;
    setSource({ kind: 'pixels', pixels: canvasPixels(pctx, w, h) }, 'your drawing');
  });
  $('upload').addEventListener('change', (e) => {
    const file = e.target.files[0];
    if (!file) return;
    const img = new Image();
    img.onload = () => {
      state.drawing = false;
      pctx.fillStyle = '#000';
      pctx.fillRect(0, 0, w, h);
      pctx.drawImage(img, 0, 0, w, h);  // scaled to the model's size
      setSource({ kind: 'pixels', pixels: canvasPixels(pctx, w, h) }, `uploaded: ${file.name} (scaled to ${w}×${h})`);
      URL.revokeObjectURL(img.src);
    };
    img.src = URL.createObjectURL(file);
  });
}

async function main() {
  const res = await fetch('/api/models');
  state.info = await res.json();
  const info = state.info;
  $('data-name').textContent = info.data;
  $('model-count').textContent = info.models.length;
  const slider = $('beta');
  slider.max = String(info.models.length - 1);
  // Start at β = 1 when the sweep has it: the ELBO.
  const one = info.models.findIndex((m) => m.beta === 1);
  state.model = one >= 0 ? one : 0;
  slider.value = String(state.model);
  slider.addEventListener('input', () => { state.model = Number(slider.value); state.movedAt = performance.now(); update(); });
  for (const radio of document.querySelectorAll('input[name="codec"]'))
    radio.addEventListener('change', () => { if (radio.checked) { state.codec = radio.value; update(); } });
  $('show-sample').addEventListener('change', (e) => { state.sample = e.target.checked; update(); });
  const index = $('image-index');
  index.max = String(info.test_images - 1);
  index.addEventListener('change', () => {
    const i = Math.max(0, Math.min(info.test_images - 1, Number(index.value) || 0));
    state.drawing = false;
    setSource({ kind: 'test', index: i }, `test image ${i}`);
  });
  $('random').onclick = () => {
    const i = Math.floor(Math.random() * info.test_images);
    index.value = String(i);
    state.drawing = false;
    setSource({ kind: 'test', index: i }, `test image ${i}`);
  };
  setupDrawing();
  renderChart();
  renderTransforms();
  renderStudy();
  await update();
}

main().catch((e) => { $('status').textContent = `error: ${e}`; $('status').dataset.ready = 'error'; });
