// Shared by the browser tests and the scripts: a static server on 127.0.0.1 (for the built site,
// dist/, unless told otherwise) and a headless Debian Chromium driven by playwright-core.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';
import { serveRoutes } from '../../scripts/lib/static-server.mjs';

export { serveRoutes };

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
/** The sources of the site, with the development pages (the benchmark, www/dev/). */
export const WWW = path.join(ROOT, 'www');
/** The site as `make dist` builds it: what a reader's browser gets, and what the tests load. */
export const DIST = path.join(ROOT, 'dist');
/** Report documents the tests draw the views from. */
export const FIXTURES = path.join(ROOT, 'tests', 'e2e', 'fixtures');

/** Serves `dir` on 127.0.0.1 (a free port unless given); resolves to { url, close, requests }. */
export function serve(dir = DIST, port = 0) {
  if (!fs.existsSync(path.join(dir, 'index.html'))) throw new Error(`${dir} has no index.html: run \`make dist\` first`);
  return serveRoutes({ '/': dir }, { port });
}

/**
 * Headless Chromium with the flags this machine needs (root, no network beyond localhost).
 * Service workers are blocked unless `serviceWorkers: 'allow'`: index.html and article.html
 * register one (www/sw.js), which would answer later pages of a test from its cache, hide their
 * requests from page.route() and the request logs, and outlive the page. Only the offline test
 * (offline.test.mjs) wants it.
 */
export async function launch({ serviceWorkers = 'block' } = {}) {
  const userDataDir = fs.mkdtempSync(path.join(process.env.TMPDIR || '/tmp', 'ovr-lab-chromium-'));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    serviceWorkers,
    args: [
      '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
      '--disable-sync', '--no-first-run', '--disable-quic', '--disable-dev-shm-usage',
    ],
  });
  const close = async () => {
    await context.close();
    fs.rmSync(userDataDir, { recursive: true, force: true });
  };
  return { context, close };
}

/** A new page that records console errors and uncaught exceptions in `page.errors`. */
export async function openPage(context, url) {
  const page = await context.newPage();
  page.errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') page.errors.push(msg.text());
  });
  page.on('pageerror', (err) => page.errors.push(String(err)));
  await page.goto(url);
  return page;
}
