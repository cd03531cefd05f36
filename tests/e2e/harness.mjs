// What the page tests share: checks that stop the server on failure (a leftover `vlae serve` would
// hold ctest's pipe open), starting `vlae serve` on a free port, and waiting for the page to show
// a given update.
import { spawn } from 'node:child_process';

export function harness(name) {
  let server = null;
  const fail = (message) => {
    console.error(`${name}: FAILED: ${message}`);
    if (server) server.kill();
    process.exit(1);
  };
  const check = (cond, message) => {
    if (!cond) fail(message);
    console.log(`${name}: ok: ${message}`);
  };
  // Starts `vlae serve ARGS --port 0`; resolves to the page's URL once the server prints it.
  const serve = (vlae, args) => {
    server = spawn(vlae, ['serve', ...args, '--port', '0'], { stdio: ['ignore', 'pipe', 'inherit'] });
    return new Promise((resolve, reject) => {
      let text = '';
      server.stdout.on('data', (d) => {
        text += d;
        const m = text.match(/open (http:\/\/[^\s]+)/);
        if (m) resolve(m[1]);
      });
      server.on('exit', (code) => reject(new Error(`vlae serve exited with ${code}`)));
      setTimeout(() => reject(new Error('vlae serve did not start in 60 s')), 60000);
    });
  };
  const stop = () => { if (server) server.kill(); };
  return { fail, check, serve, stop };
}

// Waits until the page has shown update `seq` (web/app.js numbers them in #status).
export async function waitReady(page, seq) {
  await page.waitForFunction((s) => {
    const f = document.getElementById('status');
    return f.dataset.ready === 'true' && Number(f.dataset.seq) >= s;
  }, seq, { timeout: 30000 });
}
