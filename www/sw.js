// The site's service worker: after a first visit, index.html and article.html work offline.
// Only those two pages register it (js/offline.js); an embed never does.
//
// `make dist` writes dist/sw.js from this file (scripts/build-sw.mjs), filling in VERSION (a hash of
// every file of the built site) and PRECACHE (the site's shell: pages, styles, scripts, the engine,
// Chart.js, the icon). A new build therefore changes this file's bytes; the browser, which checks
// sw.js on every visit, installs the new worker, and the new worker deletes the old build's cache
// once no page of the old build is open. Between builds, nothing is fetched twice.
//
// This source file, as `make serve-dev` serves it, has VERSION 'dev': it caches nothing, answers
// nothing (every request goes to the network, so a developer always sees the files as they are),
// and takes over at once from a built site's worker left on the same origin (`make serve` uses the
// same port), deleting its caches: from the next reload on, the files are www/'s.

const VERSION = 'dev';
const PRECACHE = [];

// One origin may hold several copies of the site (under /lab/ and /lab2/, say), each with its own
// worker: the cache name carries the scope, so a worker only ever deletes its own site's caches.
const PREFIX = `ovr-lab ${self.registration.scope} `;
const CACHE = `${PREFIX}${VERSION}`;
const BUILT = VERSION !== 'dev';

self.addEventListener('install', (event) => {
  if (!BUILT) self.skipWaiting();
  // `no-cache`: revalidate with the server (a 304 costs nothing), so that the HTTP cache never
  // puts a file of an older build into this build's cache. Precaching fails as a whole if one
  // file fails, and then this worker is not installed: the old one (if any) stays.
  event.waitUntil(caches.open(CACHE).then((cache) => cache.addAll(PRECACHE.map((url) => new Request(url, { cache: 'no-cache' })))));
});

self.addEventListener('activate', (event) => {
  // Other versions of this site's cache go; other sites' caches on this origin stay. Then the
  // worker takes the pages already open (the first visit's), so that what they fetch from now on,
  // a dataset chosen later say, is cached. On an update this changes nothing: a new worker only
  // activates once no page of the old build is open (no skipWaiting, so a page never mixes the
  // files of two builds).
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith(PREFIX) && (name !== CACHE || !BUILT)) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

/** Whether a response is worth keeping: a whole, successful answer from this origin. */
function storable(response) {
  return response.ok && response.status === 200 && response.type === 'basic';
}

/** Cache first; else the network, keeping a successful answer for next time (offline). */
async function respond(request) {
  const cache = await caches.open(CACHE);
  // A page's address carries the lab's settings (index.html?dataset=…): every address of a page is
  // the same file, cached once. Other requests (scripts, data) must match exactly.
  // The site's folder itself (/lab/) is its index.html.
  const page = request.mode === 'navigate' || request.destination === 'document' || request.destination === 'iframe';
  const folder = page && new URL(request.url).pathname.endsWith('/');
  const cached = await cache.match(folder ? new URL('index.html', request.url).href : request, { ignoreSearch: page });
  // A host that redirected a precached address (index.html to /, say) left a redirected answer,
  // which the browser refuses for a page: hand over a copy that does not say so.
  if (cached?.redirected) return new Response(cached.body, cached);
  if (cached) return cached;
  const response = await fetch(request);
  if (storable(response)) await cache.put(page ? new URL(request.url).pathname : request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  // Not answered here, so the browser does as it would without a worker: anything in the source
  // tree (`dev`), anything but GET (nothing the site sends, but a cache only holds GETs), and
  // other origins (a page is free to load things from elsewhere; they are not this site's to keep).
  if (!BUILT || request.method !== 'GET' || new URL(request.url).origin !== self.location.origin) return;
  event.respondWith(respond(request));
});

// The first visit: the page loads its dataset (and the article its figures) before this worker
// controls it, so those requests never passed through it. The page then posts the addresses it
// fetched (js/offline.js); those not cached yet are fetched again, from the HTTP cache if it still
// holds them (`force-cache`), so that the datasets a reader used are there offline too.
self.addEventListener('message', (event) => {
  if (!BUILT || event.data?.type !== 'used' || !Array.isArray(event.data.urls)) return;
  event.waitUntil((async () => {
    const cache = await caches.open(CACHE);
    for (const href of event.data.urls) {
      const url = new URL(href, self.location.href);
      if (url.origin !== self.location.origin || !url.href.startsWith(self.registration.scope)) continue;
      if (await cache.match(url.href)) continue;
      try {
        const response = await fetch(new Request(url.href, { cache: 'force-cache' }));
        if (storable(response)) await cache.put(url.href, response);
      } catch {
        // Offline already, or the file is gone: it will be cached when next fetched.
      }
    }
  })());
});
