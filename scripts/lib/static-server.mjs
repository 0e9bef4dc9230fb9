// A static file server for 127.0.0.1 that maps URL prefixes to folders: the browser tests serve
// the built site (dist/) with it, some next to fixtures of their own, and `make serve-dev` serves
// www/ with the development page's fixtures. Plain Node, no packages.
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.png': 'image/png',
  '.svg': 'image/svg+xml',
  '.gz': 'application/octet-stream',
  '.npz': 'application/octet-stream',
  '.md': 'text/plain; charset=utf-8',
};

/**
 * Serves `routes` ({'/lab/': '/abs/dir', '/': '/other/dir'}, longest prefix wins) on 127.0.0.1,
 * on `port` (a free one when 0). `cors` adds Access-Control-Allow-Origin: * to every answer.
 * Resolves to {url, requests (every path asked for), close()}.
 */
export function serveRoutes(routes, { cors = false, port = 0 } = {}) {
  const prefixes = Object.keys(routes).sort((a, b) => b.length - a.length);
  const requests = [];
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://127.0.0.1');
    requests.push(url.pathname);
    const headers = cors ? { 'Access-Control-Allow-Origin': '*' } : {};
    const prefix = prefixes.find((p) => url.pathname.startsWith(p));
    if (!prefix) {
      res.writeHead(404, headers).end();
      return;
    }
    const dir = path.resolve(routes[prefix]);
    let file = path.join(dir, decodeURIComponent(url.pathname.slice(prefix.length)));
    if (file !== dir && !file.startsWith(`${dir}${path.sep}`)) {
      res.writeHead(403, headers).end();
      return;
    }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) {
        res.writeHead(404, { ...headers, 'Content-Type': 'text/plain' }).end('not found');
        return;
      }
      res.writeHead(200, { ...headers, 'Content-Type': TYPES[path.extname(file)] || 'application/octet-stream' });
      res.end(body);
    });
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const { port: p } = server.address();
      resolve({ url: `http://127.0.0.1:${p}`, requests, close: () => new Promise((r) => { server.close(r); server.closeAllConnections(); }) });
    });
  });
}
