// End-to-end test of the demo page in colour, in headless Chromium (Debian's /usr/bin/chromium
// driven by playwright-core): a tiny conv sweep on photos32 (32x32 RGB) is served; the page must
// show the test picture, its reconstruction and an uploaded colour PNG in colour, and send and
// receive the R, G and B planes. Exit 0 on success, 1 with a message otherwise.
// Env: VLAE_BINARY (the vlae program), VLAE_COLOUR_SWEEP (a colour sweep directory; built tiny here
// if absent), VLAE_TEST_OUTPUT (screenshots; default test-output/e2e-colour).
import { execFileSync } from 'node:child_process';
import { mkdirSync, existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { harness, waitReady } from './harness.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..');
const vlae = process.env.VLAE_BINARY || join(root, 'build', 'vlae');
const out = process.env.VLAE_TEST_OUTPUT || join(root, 'test-output', 'e2e-colour');
mkdirSync(out, { recursive: true });

const { fail, check, serve, stop } = harness('colour_page');

let sweep = process.env.VLAE_COLOUR_SWEEP;
if (!sweep || !existsSync(join(sweep, 'results.json'))) {
  sweep = join(mkdtempSync(join(tmpdir(), 'vlae-e2e-colour-')), 'sweep');
  execFileSync(vlae, ['sweep', '--data', 'photos32', '--limit', '1000', '--out', sweep, '--betas', '0.25,4',
    '--model', 'conv', '--channels', '8', '--latent-dim', '8', '--likelihood', 'gaussian', '--epochs', '1',
    '--eval-limit', '20', '--iwae-samples', '2', '--calibration', '100', '--threads', '2', '--avif-speed', '8'],
  { stdio: ['ignore', 'ignore', 'inherit'] });
}

const url = await serve(vlae, ['--sweep', sweep]);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await waitReady(page, 1);
  // A canvas's colour: the share of its pixels whose R, G and B differ by more than 8 levels, and
  // its mean colour. A gray drawing has share 0.
  const colourOf = (id) => page.evaluate((cid) => {
    const c = document.getElementById(cid);
    const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
    let coloured = 0; const mean = [0, 0, 0];
    for (let i = 0; i < d.length; i += 4) {
      if (Math.max(Math.abs(d[i] - d[i + 1]), Math.abs(d[i + 1] - d[i + 2]), Math.abs(d[i] - d[i + 2])) > 8) coloured++;
      for (let k = 0; k < 3; k++) mean[k] += d[i + k];
    }
    const n = d.length / 4;
    return { share: coloured / n, mean: mean.map((v) => v / n), url: c.toDataURL() };
  }, id);
  const api = (body) => page.evaluate(async (b) => {
    const r = await fetch('/api/reconstruct', { method: 'POST', body: JSON.stringify(b) });
    return { status: r.status, body: await r.json() };
  }, body);

  const info = await page.evaluate(async () => (await fetch('/api/models')).json());
  check(info.channels === 3 && info.width === 32 && info.height === 32, `the API describes 32x32 RGB models (${info.channels}x${info.height}x${info.width})`);
  const model = await page.evaluate(() => window.vlae.model);
  const a = await api({ model, image: 0 });
  check(a.status === 200 && a.body.input.length === 3 * 32 * 32 && a.body.reconstruction.length === 3 * 32 * 32,
    `the API sends the R, G and B planes (${a.body.input.length} input and ${a.body.reconstruction.length} reconstruction values)`);
  const n = 32 * 32, planesDiffer = (px) => px.slice(0, n).some((v, i) => v !== px[n + i] || v !== px[2 * n + i]);
  check(planesDiffer(a.body.input), 'the test picture has distinct colour planes');
  await page.screenshot({ path: join(out, '1-loaded.png'), fullPage: true });
  const input = await colourOf('input'), recon = await colourOf('recon');
  check(input.share > 0.2, `the input is drawn in colour (${(100 * input.share).toFixed(0)}% of its pixels are not gray)`);
  check(recon.share > 0.05, `the reconstruction is drawn in colour (${(100 * recon.share).toFixed(0)}% not gray)`);

  // A colour PNG made in the page (left half red, right half blue), uploaded through the file input.
  const png = await page.evaluate(() => {
    const c = document.createElement('canvas');
    c.width = 64; c.height = 48;
    const x = c.getContext('2d');
    x.fillStyle = '#e02010'; x.fillRect(0, 0, 32, 48);
    x.fillStyle = '#1030e0'; x.fillRect(32, 0, 32, 48);
    return c.toDataURL('image/png').split(',')[1];
  });
  const before = await page.evaluate(() => window.vlae.shown);
  const sent = [];  // the page's requests: an upload must go out as three planes
  page.on('request', (rq) => { if (rq.url().endsWith('/api/reconstruct')) sent.push(JSON.parse(rq.postData() || '{}')); });
  await page.setInputFiles('#upload', { name: 'red-blue.png', mimeType: 'image/png', buffer: Buffer.from(png, 'base64') });
  await waitReady(page, before + 1);
  await page.screenshot({ path: join(out, '2-uploaded.png'), fullPage: true });
  const up = await colourOf('input'), upRecon = await colourOf('recon');
  check(up.share > 0.9, `the upload is shown in colour (${(100 * up.share).toFixed(0)}% not gray)`);
  check(up.mean[0] > 80 && up.mean[2] > 80 && up.mean[1] < 60, `the upload keeps its colours (mean RGB ${up.mean.map((v) => v.toFixed(0))})`);
  const up3 = sent.filter((b) => Array.isArray(b.pixels)).pop();
  check(up3 && up3.pixels.length === 3 * 32 * 32, `the page sends the upload as R, G and B planes (${up3 ? up3.pixels.length : 0} values)`);
  const planeMean = (px, c) => px.slice(c * 1024, (c + 1) * 1024).reduce((a, v) => a + v, 0) / 1024;
  check(planeMean(up3.pixels, 0) > 80 && planeMean(up3.pixels, 2) > 80 && planeMean(up3.pixels, 1) < 60,
    `the planes sent are the upload's colours (mean RGB ${[0, 1, 2].map((c) => planeMean(up3.pixels, c).toFixed(0))})`);
  check(upRecon.share > 0.05, `the upload's reconstruction is drawn in colour (${(100 * upRecon.share).toFixed(0)}% not gray)`);
  const src = await page.locator('#input-source').textContent();
  check(src.includes('red-blue.png'), `input label names the upload (${src})`);

  // The API takes colour pixels as three planes and refuses a gray-sized array for this model.
  const red = new Array(3 * n).fill(0).map((_, i) => (i < n ? 220 : 20));
  const r = await api({ model, pixels: red });
  check(r.status === 200 && r.body.reconstruction.length === 3 * n, 'the API reconstructs three planes sent as pixels');
  const gray = await api({ model, pixels: new Array(n).fill(128) });
  check(gray.status === 400, `one plane for a colour model is a 400 (${gray.status}: ${gray.body.error})`);
  check(errors.length === 0, `no page errors (${errors.join('; ')})`);
} catch (e) {
  fail(e.stack || String(e));
} finally {
  await browser.close();
  stop();
}
console.log(`colour_page: passed; screenshots in ${out}`);
