// `make dist`'s last step: writes DIST/sw.js from www/sw.js with the build's version and the list of
// files the service worker precaches (see www/sw.js). Usage: node scripts/build-sw.mjs dist
//
// The version is a hash of every file of the built site, sw.js aside: a build that changes any
// byte a reader could get changes sw.js, and so replaces the readers' cache; a build that changes
// nothing keeps it. Precached: the shell, what any visit needs (pages, styles, scripts, the engine,
// Chart.js, the icon). Not the datasets (11 MB; a reader uses one or two) nor the article's
// figures: the worker keeps those when they are first fetched.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const SOURCE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../www/sw.js');
const SHELL = /\.(html|css|js|wasm|svg)$/;

const dist = process.argv[2];
if (!dist || !fs.existsSync(path.join(dist, 'index.html'))) {
  console.error('usage: node scripts/build-sw.mjs DIST (a built site, with its index.html)');
  process.exit(2);
}

const files = fs.readdirSync(dist, { recursive: true, withFileTypes: true })
  .filter((d) => d.isFile())
  .map((d) => path.relative(dist, path.join(d.parentPath, d.name)).split(path.sep).join('/'))
  .filter((f) => f !== 'sw.js')
  .sort();

const hash = crypto.createHash('sha256');
for (const f of files) hash.update(`${f}\0`).update(fs.readFileSync(path.join(dist, f))).update('\0');
const version = hash.digest('hex').slice(0, 12);
const precache = files.filter((f) => SHELL.test(f) && !f.startsWith('data/') && !f.startsWith('figures/'));

let code = fs.readFileSync(SOURCE, 'utf8');
const fill = (line, value) => {
  if (!code.includes(line)) throw new Error(`www/sw.js has no line \`${line}\` to fill in`);
  code = code.replace(line, value);
};
fill("const VERSION = 'dev';", `const VERSION = ${JSON.stringify(version)};`);
fill('const PRECACHE = [];', `const PRECACHE = ${JSON.stringify(precache, null, 2)};`);
fs.writeFileSync(path.join(dist, 'sw.js'), code);
console.log(`sw.js: version ${version}, ${precache.length} files precached`);
