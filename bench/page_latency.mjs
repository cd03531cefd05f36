// Page-level latency of a slider move in headless Chromium: from the slider's input event to the
// next painted frame after the page shows the new model's images and numbers (measured inside the
// page, so the driver's own round trips do not count). Prints median and p95 in ms.
// Usage: node bench/page_latency.mjs SWEEP_DIR [MOVES=60] [BACKGROUND_CLIENTS=0]
// BACKGROUND_CLIENTS > 0 runs that many loops of API requests against the same server meanwhile.
// (VLAE_BINARY: the vlae program)
import { spawn } from 'node:child_process';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const vlae = process.env.VLAE_BINARY || join(root, 'build', 'vlae');
const [sweep, movesArg, clientsArg] = process.argv.slice(2);
const clients = Number(clientsArg || 0);
if (!sweep) { console.error('usage: node bench/page_latency.mjs SWEEP_DIR [MOVES]'); process.exit(2); }
const moves = Number(movesArg || 60);

const server = spawn(vlae, ['serve', '--sweep', sweep, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
const url = await new Promise((resolve, reject) => {
  let text = '';
  server.stdout.on('data', (d) => { text += d; const m = text.match(/open (http:\/\/[^\s]+)/); if (m) resolve(m[1]); });
  server.on('exit', (c) => reject(new Error(`vlae serve exited with ${c}`)));
});
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
const page = await browser.newPage();
await page.goto(url);
await page.waitForFunction(() => document.getElementById('status').dataset.ready === 'true');
const n = await page.evaluate(() => window.vlae.info.models.length);
await page.locator('#beta').focus();
let stop = false, background = 0;
const loops = [...Array(clients).keys()].map(async (c) => {
  for (let i = c; !stop; i++) {
    const r = await fetch(`${url}api/reconstruct`, { method: 'POST', body: JSON.stringify({ model: i % n, image: i % 100 }) });
    await r.arrayBuffer();
    background++;
  }
});
let dir = 'ArrowRight';
for (let i = 0; i < moves; i++) {
  const pos = await page.evaluate(() => window.vlae.model);
  if (pos === n - 1) dir = 'ArrowLeft';
  if (pos === 0) dir = 'ArrowRight';
  const before = await page.evaluate(() => window.vlae.latencies.length);
  await page.keyboard.press(dir);
  await page.waitForFunction((b) => window.vlae.latencies.length > b, before, { polling: 'raf' });
}
const times = await page.evaluate(() => window.vlae.latencies.slice());
const timing = await page.evaluate(() => window.vlae.timing);
stop = true;
await Promise.all(loops);
await browser.close();
server.kill();
times.sort((a, b) => a - b);
const q = (p) => times[Math.min(times.length - 1, Math.round(p * (times.length - 1)))];
console.log(JSON.stringify({ moves, models: n, median_ms: q(0.5), p95_ms: q(0.95), max_ms: times[times.length - 1], last_move: timing, background_clients: clients, background_requests: background }, null, 2));
