// Install and offline support: register the service worker (frontend/src/sw.js, served at
// /sw.js), save the first page it was too late for, list saved galleries on the offline page,
// and say so when the page on screen is a saved copy.

const PAGES_CACHE = /^proofsheet-pages-/;
const GALLERY_ROOT = /^\/g\/[0-9a-f-]{36}\/$/;

function shownImages() {
  return Array.from(document.images, (img) => img.currentSrc).filter((src) => /^https?:/.test(src));
}

async function listSavedGalleries(nav) {
  const names = (await caches.keys()).filter((name) => PAGES_CACHE.test(name));
  const found = new Map();
  for (const name of names) {
    const cache = await caches.open(name);
    for (const request of await cache.keys()) {
      const url = new URL(request.url);
      if (url.origin !== location.origin || !GALLERY_ROOT.test(url.pathname)) continue;
      if (found.has(url.pathname)) continue;
      const response = await cache.match(request);
      const html = response ? await response.text() : "";
      const title = new DOMParser().parseFromString(html, "text/html").querySelector("h1");
      found.set(url.pathname, (title && title.textContent.trim()) || "A gallery");
    }
  }
  if (!found.size) return;
  const list = nav.querySelector("ul");
  for (const [path, title] of found) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = path;
    link.textContent = title;
    item.append(link);
    list.append(item);
  }
  nav.hidden = false;
}

function offlineNote() {
  let note = document.querySelector(".offline-note");
  const show = !navigator.onLine && !document.querySelector(".offline-page");
  if (show && !note) {
    note = document.createElement("p");
    note.className = "offline-note";
    note.setAttribute("role", "status");
    note.textContent = "You are offline: this is the copy saved on this device.";
    document.querySelector("main")?.prepend(note);
  } else if (!show && note) {
    note.remove();
  }
}

if ("serviceWorker" in navigator) {
  window.addEventListener("load", () => {
    const controlled = Boolean(navigator.serviceWorker.controller);
    navigator.serviceWorker.register("/sw.js", { scope: "/" }).catch((error) => {
      console.warn("Proofsheet: offline support is unavailable", error);
    });
    if (!controlled) {
      // This page loaded before the worker existed: ask it to save the page and its pictures.
      navigator.serviceWorker.ready.then((registration) => {
        registration.active?.postMessage({
          type: "save-page",
          url: location.href,
          images: shownImages(),
        });
      });
    }
    const saved = document.querySelector("[data-saved-galleries]");
    if (saved && "caches" in window) listSavedGalleries(saved).catch(() => undefined);
    offlineNote();
    window.addEventListener("online", offlineNote);
    window.addEventListener("offline", offlineNote);
  });
}
