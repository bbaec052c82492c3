// Shared by the browser tests: Debian's Chromium, headless, with the flags that
// keep it off the network, and a loopback listener that catches redirects.
import { chromium } from 'playwright-core';
import { createHash, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';

export function requiredEnv(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests through ctest`);
  return value;
}

// One browser per test file; each test takes a fresh context (no cookies or
// sessions shared between tests).
export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
           '--disable-background-networking', '--disable-component-update', '--disable-sync',
           '--disable-dev-shm-usage'],
  });
}

// A loopback HTTP listener on PORT; waitFor() resolves with the first
// request's URL whose path is PATH.
export async function redirectCatcher(port, path) {
  let resolveHit;
  const hit = new Promise((resolve) => { resolveHit = resolve; });
  const server = createServer((request, response) => {
    const url = new URL(request.url, `http://127.0.0.1:${port}`);
    if (url.pathname === path) resolveHit(url);
    response.writeHead(200, { 'Content-Type': 'text/html' });
    response.end('<html><body><p id="done">Signed in.</p></body></html>');
  });
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', resolve);
  });
  return {
    url: `http://127.0.0.1:${port}${path}`,
    waitFor: (ms) => Promise.race([hit, new Promise((_, reject) =>
      setTimeout(() => reject(new Error(`no redirect to ${path} within ${ms} ms`)), ms))]),
    close: () => new Promise((resolve) => { server.close(resolve); server.closeAllConnections(); }),
  };
}

export function pkcePair() {
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  return { verifier, challenge };
}

export function decodeJwtPayload(token) {
  const parts = token.split('.');
  if (parts.length !== 3) throw new Error('not a compact JWS');
  return JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8'));
}
