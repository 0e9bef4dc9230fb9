// `make serve-dev`: serves www/ as it is in the repository (the benchmark page and its peers'
// vendor files, the development page www/dev/views.html) with the test fixtures the development
// page reads under /dev/fixtures/. What a reader gets is `make serve` (the built dist/).
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { serveRoutes } from './lib/static-server.mjs';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const port = Number(process.argv[2] || process.env.PORT || 8080);
const server = await serveRoutes({
  '/': path.join(ROOT, 'www'),
  '/dev/fixtures/': path.join(ROOT, 'tests', 'e2e', 'fixtures'),
}, { port });
console.log(`ovr-lab (development): ${server.url}/ · benchmark ${server.url}/bench.html · views ${server.url}/dev/views.html`);
