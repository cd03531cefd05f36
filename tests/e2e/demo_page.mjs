// End-to-end test of the demo page in headless Chromium (Debian's /usr/bin/chromium driven by
// playwright-core): load the page, move the slider, check that images and numbers change and agree
// with the API, upload an image, save screenshots. Exit 0 on success, 1 with a message otherwise.
// Env: VLAE_BINARY (the vlae program), VLAE_SWEEP (a sweep directory; built tiny here if absent),
// VLAE_TEST_OUTPUT (screenshots; default test-output/e2e).
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
const out = process.env.VLAE_TEST_OUTPUT || join(root, 'test-output', 'e2e');
mkdirSync(out, { recursive: true });

const { fail, check, serve, stop } = harness('demo_page');

let sweep = process.env.VLAE_SWEEP;
if (!sweep || !existsSync(join(sweep, 'results.json'))) {
  sweep = join(mkdtempSync(join(tmpdir(), 'vlae-e2e-')), 'sweep');
  execFileSync(vlae, ['sweep', '--data', 'fashion-mnist', '--limit', '3000', '--out', sweep, '--betas', '0.5,2,8',
    '--epochs', '3', '--latent-dim', '8', '--hidden', '128', '--eval-limit', '40', '--iwae-samples', '2',
    '--calibration', '100', '--threads', '2', '--avif-speed', '8'], { stdio: ['ignore', 'ignore', 'inherit'] });
}

// A tiny transform coder drawn beside the sweep (vlae serve --transform-run).
const transform = join(mkdtempSync(join(tmpdir(), 'vlae-e2e-')), 'hyper');
execFileSync(vlae, ['train', '--data', 'fashion-mnist', '--limit', '1000', '--model', 'hyperprior', '--channels', '8',
  '--latent-dim', '4', '--epochs', '1', '--batch-size', '25', '--test-limit', '50', '--threads', '2', '--out', transform],
  { stdio: ['ignore', 'ignore', 'inherit'] });

const url = await serve(vlae, ['--sweep', sweep, '--transform-run', transform]);

const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 1400 } });
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  await page.goto(url);
  await waitReady(page, 1);
  const snapshot = () => page.evaluate(() => ({
    seq: window.vlae.shown,
    beta: document.getElementById('beta-value').textContent,
    rate: document.getElementById('rate-bits').textContent,
    bits: document.getElementById('lossy-bits').textContent,
    psnr: document.getElementById('psnr').textContent,
    gain: document.getElementById('gain').textContent,
    recon: document.getElementById('recon').toDataURL(),
    input: document.getElementById('input').toDataURL(),
    model: window.vlae.model,
    bars: document.querySelectorAll('#latent rect.kl').length,
  }));
  const api = (body) => page.evaluate(async (b) => {
    const r = await fetch('/api/reconstruct', { method: 'POST', body: JSON.stringify(b) });
    return r.json();
  }, body);
  const first = await snapshot();
  await page.screenshot({ path: join(out, '1-loaded.png'), fullPage: true });
  check(first.bars === 8, `latent panel draws one KL bar per dimension (${first.bars})`);
  const info = await page.evaluate(async () => (await fetch('/api/models')).json());
  check(info.transforms.length === 1 && info.transforms[0].bits_per_pixel > 0 && info.transforms[0].psnr_db > 0,
    `the transform coder's real-file point is served (${JSON.stringify(info.transforms)})`);
  check(await page.locator('#transform-table tr').count() === 2 && await page.locator('#transforms').isVisible(),
    'the page lists the transform coder');
  const legend = await page.locator('#rd-chart').textContent();
  check(legend.includes('transform (files)'), 'the RD chart draws the transform coder beside the VAE and the codecs');
  const a1 = await api({ model: first.model, image: 0 });
  check(first.rate === a1.rate_bits.toFixed(2), `displayed rate ${first.rate} bits = API ${a1.rate_bits.toFixed(2)}`);
  check(first.bits === a1.lossy.coded_bits.toFixed(1), `displayed lossy bits ${first.bits} = API ${a1.lossy.coded_bits.toFixed(1)}`);
  check(first.psnr === a1.fidelity.psnr_db.toFixed(2), `displayed PSNR ${first.psnr} = API`);

  // Move the slider to the highest-compression end.
  const slider = page.locator('#beta');
  await slider.focus();
  await page.keyboard.press('End');
  await waitReady(page, first.seq + 1);
  const second = await snapshot();
  await page.screenshot({ path: join(out, '2-slider-moved.png'), fullPage: true });
  check(second.beta !== first.beta, `slider changes beta (${first.beta} -> ${second.beta})`);
  check(second.rate !== first.rate, `rate changes (${first.rate} -> ${second.rate} bits)`);
  check(second.recon !== first.recon, 'reconstruction image changes');
  check(second.input === first.input, 'input image stays');
  const a2 = await api({ model: second.model, image: 0 });
  check(second.rate === a2.rate_bits.toFixed(2), `after the move, displayed rate ${second.rate} = API ${a2.rate_bits.toFixed(2)}`);
  check(second.gain === a2.bits_back.gain_percent.toFixed(1), `bits-back gain ${second.gain}% = API`);
  check(await page.locator('#rd-current').count() === 1, 'the RD chart marks the current model');

  // The codec switch: an exact sample of q(z|x) by relative-entropy coding, and a decoder sample.
  await page.locator('input[name="codec"][value="rec"]').check();
  await waitReady(page, second.seq + 1);
  const rec = await snapshot();
  await page.locator('#show-sample').check();
  await waitReady(page, rec.seq + 1);
  const withSample = await snapshot();
  await page.screenshot({ path: join(out, '3-rec-and-sample.png'), fullPage: true });
  const ar = await api({ model: rec.model, image: 0, codec: 'rec', sample: true });
  check(ar.codec === 'rec' && ar.rec && ar.rec.blocks >= 0, 'the API codes by relative-entropy coding when asked');
  check(rec.bits === ar.lossy.coded_bits.toFixed(1), `rec: displayed bits ${rec.bits} = API ${ar.lossy.coded_bits.toFixed(1)}`);
  check(rec.bits !== second.bits, `rec's bits differ from the grid's (${second.bits} -> ${rec.bits})`);
  check(rec.recon !== second.recon, 'rec: the reconstruction is the decoder mean at a sample, not at the grid point');
  check((await page.locator('#codec-note').textContent()).includes('relative-entropy'), 'the note names relative-entropy coding');
  check(await page.locator('#sample').isVisible(), 'the decoder sample shows when asked');
  check(Array.isArray(ar.sample) && ar.sample.length === ar.input.length, 'the API returns a decoder sample of the image size');
  check(withSample.bits === rec.bits, 'asking for a sample does not change the code');
  const bad = await page.evaluate(async () => (await fetch('/api/reconstruct', { method: 'POST', body: JSON.stringify({ model: 0, image: 0, codec: 'zip' }) })).status);
  check(bad === 400, `an unknown codec is a 400 (${bad})`);
  await page.locator('#show-sample').uncheck();
  await waitReady(page, withSample.seq + 1);
  await page.locator('input[name="codec"][value="grid"]').check();
  await waitReady(page, withSample.seq + 2);

  // Upload an image: it is scaled to the model's size and reconstructed.
  const beforeUpload = await snapshot();
  await page.setInputFiles('#upload', join(here, 'upload.png'));
  await waitReady(page, beforeUpload.seq + 1);
  const third = await snapshot();
  await page.screenshot({ path: join(out, '4-uploaded.png'), fullPage: true });
  check(third.input !== beforeUpload.input, 'uploaded image shows as the input');
  check(third.recon !== beforeUpload.recon, 'uploaded image gets its own reconstruction');
  const src = await page.locator('#input-source').textContent();
  check(src.includes('upload.png'), `input label names the upload (${src})`);
  check(errors.length === 0, `no page errors (${errors.join('; ')})`);
} catch (e) {
  fail(e.stack || String(e));
} finally {
  await browser.close();
  stop();
}
console.log(`demo_page: passed; screenshots in ${out}`);
