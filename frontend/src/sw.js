// Proofsheet's service worker: galleries a client opened stay viewable offline.
//
// Served at /sw.js by proofsheet.storefront.pwa.service_worker, which puts `self.PROOFSHEET_SW`
// (deploy version, app-shell URLs, rendition URL prefixes, paths never to touch) in front of this
// file. Not bundled: it runs in the worker as it is written here.
//
// - Gallery pages (/g/…: gallery, photo, favourites): network first; after TIMEOUT_MS a saved copy
//   is shown while the network answer still refreshes the cache; offline, the saved copy, then
//   the offline page.
// - Renditions (immutable, versioned URLs): cache first, at most MAX_IMAGES kept, oldest out.
// - /static/: cache first for hashed names and the app shell (fetched afresh whenever a deploy
//   changes it); network first for unhashed names (development), so a rebuild shows at once.
// - Never cached: anything but GET, /api/, /studio/, /accounts/, the admin, downloads, unlock and
//   email pages, and any answer other than a plain 200. A heart (POST …/favourite/) passes
//   through, then the saved grid and favourites pages of its gallery are fetched again.
// - A redirect (to unlock or email), 403 or 410 for a gallery page forgets all its saved pages,
//   so a rotated code or an expired gallery is not shown from the cache once the server said so.
// - Logging out forgets every saved page and picture.
/* eslint-env serviceworker */
"use strict";

const CONFIG = self.PROOFSHEET_SW;
// Bump when the layout of the caches changes: every older Proofsheet cache is then deleted.
// (A deploy changes CONFIG.version instead, which refreshes the shell but keeps saved galleries.)
const CACHE_VERSION = "v1";
const PREFIX = "proofsheet-";
const SHELL = `${PREFIX}shell-${CACHE_VERSION}`;
const PAGES = `${PREFIX}pages-${CACHE_VERSION}`;
const IMAGES = `${PREFIX}images-${CACHE_VERSION}`;
const MAX_SHELL = 80;
const MAX_PAGES = 300;
const MAX_IMAGES = 600;
const TIMEOUT_MS = 3000;

const scope = new URL(self.registration.scope);
const here = (path) => new URL(path, scope).href;
const OFFLINE_URL = here(CONFIG.offline);
const STATIC_PREFIX = here(CONFIG.static);
const RENDITION_PREFIXES = CONFIG.renditions.map(here);
const NEVER = CONFIG.never.map(here);
const GALLERY_PREFIX = here("/g/");
const SHELL_URLS = new Set([OFFLINE_URL, ...CONFIG.shell.map(here)]);
// ManifestStaticFilesStorage names: proofsheet.0123456789ab.js
const HASHED = /\.[0-9a-f]{12}\.[^/]+$/;
// Pages under a gallery that must always come from the server.
const GALLERY_UNCACHED = /^\/g\/[^/]+\/(unlock|email|download-pin|download-all)\/|\/download\/$/;

// --- install and activate ------------------------------------------------------------------

self.addEventListener("install", (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(SHELL);
      // Fetched afresh (not from the HTTP cache), so unhashed names in development update too.
      // The offline page must be there; a missing bundle only costs its own offline use.
      await cache.add(new Request(OFFLINE_URL, { cache: "reload" }));
      await Promise.allSettled(
        CONFIG.shell.map((url) => cache.add(new Request(here(url), { cache: "reload" }))),
      );
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener("activate", (event) => {
  event.waitUntil(
    (async () => {
      const keep = new Set([SHELL, PAGES, IMAGES]);
      const names = await caches.keys();
      await Promise.all(
        names.filter((n) => n.startsWith(PREFIX) && !keep.has(n)).map((n) => caches.delete(n)),
      );
      await self.clients.claim();
    })(),
  );
});

// --- helpers ---------------------------------------------------------------------------------

function startsWithAny(url, prefixes) {
  return prefixes.some((prefix) => url.startsWith(prefix));
}

function storable(response, { opaque = false } = {}) {
  if (!response) return false;
  if (opaque && response.type === "opaque") return true;
  if (response.status !== 200 || response.type !== "basic") return false;
  return !/no-store/i.test(response.headers.get("Cache-Control") || "");
}

async function trim(name, max) {
  const cache = await caches.open(name);
  // Oldest first; the offline page and the current shell are never pushed out.
  const keys = (await cache.keys()).filter((k) => !SHELL_URLS.has(k.url));
  const room = name === SHELL ? max - SHELL_URLS.size : max;
  await Promise.all(keys.slice(0, Math.max(0, keys.length - room)).map((k) => cache.delete(k)));
}

async function put(name, request, response, max) {
  try {
    const cache = await caches.open(name);
    await cache.put(request, response);
    await trim(name, max);
  } catch (error) {
    // Storage full or the body failed mid-way: the page still works, it is just not saved.
    console.warn("proofsheet sw: not cached", request.url || request, error);
  }
}

function galleryRoot(url) {
  const match = new URL(url).pathname.match(/^\/g\/[^/]+\//);
  return match ? here(match[0]) : null;
}

// The server says this gallery is no longer ours to show (code rotated, expired, deleted):
// forget every saved page of it.
async function forgetGallery(url) {
  const root = galleryRoot(url);
  if (!root) return;
  const cache = await caches.open(PAGES);
  const keys = await cache.keys();
  await Promise.all(keys.filter((k) => k.url.startsWith(root)).map((k) => cache.delete(k)));
}

const timeout = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

// --- strategies ------------------------------------------------------------------------------

function isGalleryPage(url) {
  return url.href.startsWith(GALLERY_PREFIX) && !GALLERY_UNCACHED.test(url.pathname);
}

async function offlinePage() {
  return (await caches.match(OFFLINE_URL)) || Response.error();
}

async function galleryPage(event, url) {
  const { request } = event;
  const cache = await caches.open(PAGES);
  const network = fetch(request).then((response) => {
    if (storable(response)) {
      event.waitUntil(put(PAGES, request, response.clone(), MAX_PAGES));
    } else if (response.type === "opaqueredirect" || [403, 410].includes(response.status)) {
      event.waitUntil(forgetGallery(request.url)); // sent to unlock / email, or expired
    } else if (response.status === 404) {
      // A deleted gallery forgets all its pages; a deleted photo only its own.
      const whole = galleryRoot(request.url) === here(url.pathname);
      event.waitUntil(whole ? forgetGallery(request.url) : cache.delete(request));
    }
    return response;
  });
  event.waitUntil(network.catch(() => undefined));
  // Offline, another view of the same page (?layout=…, ?set=…) beats no page; a next page
  // (?after=…) does not: showing the first one again would look like "more" did nothing.
  const saved = async () =>
    (await cache.match(request, { ignoreVary: true })) ||
    (!url.searchParams.has("after") &&
      (await cache.match(request, { ignoreVary: true, ignoreSearch: true })));
  try {
    // A slow network shows the saved copy after TIMEOUT_MS; with no saved copy, keep waiting.
    const late = timeout(TIMEOUT_MS).then(
      async () => (await cache.match(request, { ignoreVary: true })) || network,
    );
    return await Promise.race([network, late]);
  } catch {
    return (await saved()) || offlinePage();
  }
}

async function otherPage(request) {
  try {
    return await fetch(request);
  } catch {
    return offlinePage();
  }
}

function renditionFamily(url) {
  // .../renditions/<photo>/<version>/<name>.<fmt>: any size of the same picture will do offline.
  const match = url.match(/^(.*\/renditions\/[^/]+\/[^/]+\/)/);
  return match ? match[1] : null;
}

async function rendition(event) {
  const { request } = event;
  const cache = await caches.open(IMAGES);
  const hit = await cache.match(request, { ignoreVary: true });
  if (hit) return hit;
  try {
    const response = await fetch(request);
    if (storable(response, { opaque: true })) {
      event.waitUntil(put(IMAGES, request, response.clone(), MAX_IMAGES));
    }
    return response;
  } catch (error) {
    // Offline, and this size was never shown here (another screen width picked another one).
    const family = renditionFamily(request.url);
    if (family) {
      const keys = await cache.keys();
      const sibling = keys.reverse().find((k) => k.url.startsWith(family));
      if (sibling) return cache.match(sibling);
    }
    throw error;
  }
}

async function staticFile(event) {
  const { request } = event;
  const cached = () => caches.match(request, { cacheName: SHELL, ignoreVary: true });
  const fixed = SHELL_URLS.has(request.url) || HASHED.test(new URL(request.url).pathname);
  if (fixed) {
    const hit = await cached();
    if (hit) return hit;
  }
  try {
    const response = await fetch(request);
    if (storable(response)) event.waitUntil(put(SHELL, request, response.clone(), MAX_SHELL));
    return response;
  } catch (error) {
    const hit = await cached();
    if (hit) return hit;
    throw error;
  }
}

// A heart is an htmx swap, so the saved copies of the grid and the favourites page would keep
// showing the hearts as they were: the POST goes to the network untouched, and a moment later
// (taps come in bursts) the saved pages of that gallery are fetched again.
const FAVOURITE = /^\/g\/[^/]+\/p\/[^/]+\/favourite\/$/;
const refreshes = new Map(); // gallery root -> { promise, again, urls }

async function favourite(event) {
  const response = await fetch(event.request);
  if (response.status === 200 || response.type === "opaqueredirect") {
    event.waitUntil(refreshGallery(event.request.url, event.request.referrer));
  }
  return response;
}

function refreshGallery(url, referrer) {
  const root = galleryRoot(url);
  if (!root) return Promise.resolve();
  let state = refreshes.get(root);
  if (state) {
    state.again = true;
    if (referrer) state.urls.add(referrer);
    return state.promise;
  }
  state = { again: true, urls: new Set(referrer ? [referrer] : []) };
  state.promise = (async () => {
    try {
      while (state.again) {
        state.again = false;
        await timeout(500);
        await refetchSaved(root, state.urls);
      }
    } finally {
      refreshes.delete(root);
    }
  })();
  refreshes.set(root, state);
  return state.promise;
}

async function refetchSaved(root, also) {
  const cache = await caches.open(PAGES);
  const overview = new Set([root, `${root}favourites/`]);
  const keys = (await cache.keys()).filter(
    (key) => overview.has(key.url.split("?")[0]) || also.has(key.url),
  );
  for (const key of keys) {
    try {
      const response = await fetch(key.url, { credentials: "same-origin", redirect: "manual" });
      if (storable(response)) await put(PAGES, key.url, response, MAX_PAGES);
      else if (response.type === "opaqueredirect" || [403, 410].includes(response.status)) {
        await forgetGallery(root);
        return;
      } else if (response.status === 404) await cache.delete(key);
    } catch {
      return; // offline: keep what is saved
    }
  }
}

// --- routing ---------------------------------------------------------------------------------

self.addEventListener("fetch", (event) => {
  const { request } = event;
  const url = new URL(request.url);
  if (request.method !== "GET") {
    // Logging out forgets what was saved on this device (shared phones, borrowed tablets).
    if (request.method === "POST" && url.href.startsWith(here("/accounts/logout/"))) {
      event.waitUntil(Promise.all([caches.delete(PAGES), caches.delete(IMAGES)]));
    }
    if (request.method === "POST" && FAVOURITE.test(url.pathname)) {
      event.respondWith(favourite(event));
    }
    return; // never answered from or stored in a cache
  }
  if (startsWithAny(url.href, RENDITION_PREFIXES)) {
    event.respondWith(rendition(event));
    return;
  }
  if (url.origin !== scope.origin || startsWithAny(url.href, NEVER)) return;
  // Downloads (one photo, or a whole gallery's ZIP streamed as it is made) go straight through.
  if (/\/download(-pin|-all)?\//.test(url.pathname)) return;
  if (request.mode === "navigate") {
    event.respondWith(isGalleryPage(url) ? galleryPage(event, url) : otherPage(request));
    return;
  }
  if (url.href.startsWith(STATIC_PREFIX)) {
    event.respondWith(staticFile(event));
  }
  // Everything else (htmx fragments, QR codes, …) goes to the network as if we were not here.
});

// --- messages from pages ---------------------------------------------------------------------

// A page loaded before this worker took control asks to be saved, with the images it shows,
// so the very first gallery a client opens is there offline too.
self.addEventListener("message", (event) => {
  const data = event.data || {};
  if (data.type !== "save-page" || typeof data.url !== "string") return;
  event.waitUntil(savePage(data.url, Array.isArray(data.images) ? data.images : []));
});

async function savePage(pageUrl, images) {
  const url = new URL(pageUrl, scope);
  if (url.origin !== scope.origin || !isGalleryPage(url)) return;
  const pages = await caches.open(PAGES);
  if (!(await pages.match(url.href, { ignoreVary: true }))) {
    try {
      const response = await fetch(url.href, { credentials: "same-origin", redirect: "manual" });
      if (storable(response)) await put(PAGES, url.href, response, MAX_PAGES);
    } catch {
      return;
    }
  }
  const cache = await caches.open(IMAGES);
  for (const src of images.slice(0, 200)) {
    if (typeof src !== "string" || !startsWithAny(src, RENDITION_PREFIXES)) continue;
    if (await cache.match(src)) continue;
    try {
      const sameOrigin = new URL(src).origin === scope.origin;
      const response = await fetch(src, { mode: sameOrigin ? "same-origin" : "no-cors" });
      if (storable(response, { opaque: !sameOrigin })) await put(IMAGES, src, response, MAX_IMAGES);
    } catch {
      // offline again: whatever is saved stays saved
    }
  }
}
