// Client gallery pages: the PhotoSwipe lightbox (keys, swipe, pinch-zoom up to the preview size),
// slideshow, favourites and info from inside the lightbox, share buttons. The pages work without
// it: every photo links to its own page.
import PhotoSwipeLightbox from "photoswipe/lightbox";
import PhotoSwipe from "photoswipe";
import "photoswipe/style.css";
import "./gallery.css";
import "./shop.css";

const SLIDE_SECONDS = 4;

function csrfToken() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

// One live region, shown as a toast: screen readers hear it, everyone sees it for a moment.
let toastTimer = null;
function announce(text) {
  let region = document.getElementById("announcer");
  if (!region) {
    region = document.createElement("p");
    region.id = "announcer";
    region.className = "toast";
    region.setAttribute("role", "status");
    document.body.append(region);
  }
  region.textContent = text;
  region.classList.add("toast--shown");
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => region.classList.remove("toast--shown"), 5000);
}

// A refused htmx request (a locked list, a guest code) says why instead of failing silently.
document.addEventListener("htmx:responseError", (event) => {
  const text = event.detail.xhr.responseText;
  announce(text && text.length < 300 ? text : "That did not work. Reload the page and try again.");
});

// --- favourites (shared by the grid's forms and the lightbox) ---------------------------------

function tileOf(photoId) {
  return document.getElementById(`photo-${photoId}`);
}

function isFavourite(photoId) {
  const tile = tileOf(photoId);
  return Boolean(tile && tile.querySelector("button.favourite.on"));
}

async function setFavourite(link, on) {
  const body = new URLSearchParams({ on: on ? "1" : "0" });
  // Where the email form (when one is needed first) sends the visitor back: the tile's page.
  const next = tileOf(link.dataset.photoId)?.querySelector(".favourite-form [name=next]");
  if (next) body.set("next", next.value);
  const response = await fetch(link.dataset.favouriteUrl, {
    method: "POST",
    body,
    headers: { "X-CSRFToken": csrfToken(), "HX-Request": "true" },
    credentials: "same-origin",
  });
  const redirect = response.headers.get("HX-Redirect");
  if (redirect) {
    window.location.assign(redirect); // an email is needed first
    return null;
  }
  if (!response.ok) {
    announce(await response.text());
    return null;
  }
  const tile = tileOf(link.dataset.photoId);
  const form = tile && tile.querySelector(".favourite-form");
  if (form) {
    form.outerHTML = await response.text();
    window.htmx?.process(tile);
  }
  tile?.classList.toggle("is-favourite", on);
  announce(on ? "Added to favourites" : "Removed from favourites");
  return on;
}

document.addEventListener("htmx:afterSwap", (event) => {
  const tile = event.target.closest?.(".tile");
  if (tile) tile.classList.toggle("is-favourite", Boolean(tile.querySelector("button.favourite.on")));
});

// --- lightbox --------------------------------------------------------------------------------

// The grid holds the pages loaded so far; the lightbox counts the whole list (data-count) and
// loads the next page into the grid as the visitor moves towards the end of what is loaded.
const LOAD_AHEAD = 3;
const PENDING_HTML = '<div class="pswp-pending" role="status">Loading…</div>';

function lightboxPaging(lightbox, container) {
  const links = () => container.querySelectorAll("a.tile-link");
  const pending = new Set(); // slides shown as "Loading…" until their page is in the grid

  // htmx loads the page into the grid as scrolling would; a request already under way for the
  // same link queues this one, and a queued one is dropped once the link has been swapped out.
  const loadMore = () => {
    const more = container.querySelector("a.load-more");
    if (!more || !window.htmx) return;
    const options = { source: more, target: more, swap: "outerHTML" };
    window.htmx.ajax("GET", more.getAttribute("hx-get"), options).catch(() => {});
  };
  const wantMore = (pswp) => {
    if (pending.has(pswp.currIndex) || pswp.currIndex >= links().length - LOAD_AHEAD) loadMore();
  };

  lightbox.addFilter("numItems", (count) => Math.max(count, Number(container.dataset.count) || 0));
  lightbox.addFilter("itemData", (data, index) => {
    if (data.element) return data;
    pending.add(index);
    return { html: PENDING_HTML };
  });
  lightbox.on("change", () => wantMore(lightbox.pswp));

  // A page arrived (from the lightbox or from scrolling): show the slides that were waiting.
  new MutationObserver(() => {
    const pswp = lightbox.pswp;
    if (!pswp) return;
    if (pswp.options.dataSource) pswp.options.dataSource.items = undefined; // read the grid again
    const loaded = links().length;
    if (!container.querySelector("a.load-more") && pending.size && loaded < pswp.getNumItems()) {
      container.dataset.count = String(loaded); // photos were removed since the page was drawn
      if (pswp.currIndex >= loaded) pswp.goTo(loaded - 1);
    }
    for (const index of [...pending].sort((a, b) => a - b)) {
      if (index < loaded || index >= pswp.getNumItems()) {
        pending.delete(index);
        pswp.refreshSlideContent(index);
      }
    }
    wantMore(pswp);
  }).observe(container, { childList: true });
}

function setupLightbox(container) {
  const galleryUrl = window.location.href;
  const lightbox = new PhotoSwipeLightbox({
    gallery: container,
    children: "a.tile-link",
    pswpModule: PhotoSwipe,
    // Zoom stops at the preview's own pixels: the server never sends more (R09).
    maxZoomLevel: 1,
    secondaryZoomLevel: 1,
    bgOpacity: 0.94,
    loop: true,
    closeTitle: "Close (Esc)",
    arrowPrevTitle: "Previous (←)",
    arrowNextTitle: "Next (→)",
    zoomTitle: "Zoom (z)",
  });
  lightboxPaging(lightbox, container);
  let timer = null;

  const stopSlideshow = (pswp) => {
    clearInterval(timer);
    timer = null;
    pswp?.element?.classList.remove("pswp--playing");
  };
  const startSlideshow = (pswp) => {
    stopSlideshow(pswp);
    timer = setInterval(() => pswp.next(), SLIDE_SECONDS * 1000);
    pswp.element.classList.add("pswp--playing");
  };

  lightbox.on("uiRegister", () => {
    const pswp = lightbox.pswp;
    pswp.ui.registerElement({
      name: "slideshow",
      ariaLabel: "Play or pause the slideshow",
      order: 8,
      isButton: true,
      html: '<span class="pswp-play" aria-hidden="true">▶</span><span class="pswp-pause" aria-hidden="true">❚❚</span>',
      onClick: () => (timer ? stopSlideshow(pswp) : startSlideshow(pswp)),
    });
    pswp.ui.registerElement({
      name: "favourite",
      ariaLabel: "Favourite",
      order: 9,
      isButton: true,
      html: '<span aria-hidden="true">♡</span>',
      onInit: (el) => {
        const refresh = () => {
          const link = pswp.currSlide?.data.element;
          const can = Boolean(link?.dataset.favouriteUrl);
          el.hidden = !can;
          if (!can) return;
          const on = isFavourite(link.dataset.photoId);
          el.setAttribute("aria-pressed", String(on));
          el.firstChild.textContent = on ? "♥" : "♡";
        };
        pswp.on("change", refresh);
        pswp.on("favouriteChanged", refresh);
      },
      onClick: async () => {
        const link = pswp.currSlide?.data.element;
        if (!link?.dataset.favouriteUrl) return;
        await setFavourite(link, !isFavourite(link.dataset.photoId));
        pswp.dispatch("favouriteChanged");
      },
    });
    pswp.ui.registerElement({
      name: "download",
      ariaLabel: "Download",
      order: 7,
      isButton: true,
      tagName: "a",
      html: '<span aria-hidden="true">⤓</span>',
      onInit: (el) => {
        el.setAttribute("download", "");
        pswp.on("change", () => {
          const url = pswp.currSlide?.data.element?.dataset.downloadUrl;
          el.hidden = !url;
          if (url) el.href = url;
        });
      },
    });
    // "Buy" opens the photo's own page at its buy panel (when this gallery sells prints or files).
    if (document.querySelector("[data-sells]")) {
      pswp.ui.registerElement({
        name: "buy",
        ariaLabel: "Buy this photo",
        title: "Buy",
        order: 8,
        isButton: true,
        tagName: "a",
        html: '<span class="pswp-buy">Buy</span>',
        onInit: (el) => {
          pswp.on("change", () => {
            const link = pswp.currSlide?.data.element;
            el.hidden = !link; // a slide still loading has no page yet
            if (link?.href) el.href = `${link.href.split("#")[0]}#buy`;
          });
          // The address bar already shows the photo's page: put the gallery back first, or the
          // link would only move to a #buy fragment of this page (and Back returns to the grid).
          el.addEventListener("click", () => history.replaceState(history.state, "", galleryUrl));
        },
      });
    }
    pswp.ui.registerElement({
      name: "info-button",
      ariaLabel: "Photo info",
      order: 10,
      isButton: true,
      html: '<span aria-hidden="true">ⓘ</span>',
      onClick: () => pswp.element.classList.toggle("pswp--info-open"),
    });
    pswp.ui.registerElement({
      name: "info-panel",
      appendTo: "root",
      className: "pswp-info",
      onInit: (el) => {
        el.setAttribute("role", "region");
        el.setAttribute("aria-label", "Photo info");
        pswp.on("change", async () => {
          const link = pswp.currSlide?.data.element;
          if (!link) return;
          const response = await fetch(link.dataset.infoUrl, { credentials: "same-origin" });
          if (response.ok && pswp.currSlide?.data.element === link) {
            el.innerHTML = await response.text();
            const open = document.createElement("a");
            open.href = link.href;
            open.textContent = "Open the photo's page (comments, related photos)";
            el.append(open);
          }
        });
      },
    });
  });

  // The address bar follows the photo, so a copied link opens it; closing restores the gallery.
  lightbox.on("change", () => {
    const link = lightbox.pswp.currSlide?.data.element;
    if (link) history.replaceState(history.state, "", link.href);
  });
  lightbox.on("close", () => {
    stopSlideshow(lightbox.pswp);
    history.replaceState(history.state, "", galleryUrl);
  });
  lightbox.init();

  // The toolbar's Slideshow button opens the first photo and plays once the lightbox is open
  // (the PhotoSwipe instance only exists after its module has loaded).
  let autoplay = false;
  lightbox.on("openingAnimationEnd", () => {
    if (autoplay) startSlideshow(lightbox.pswp);
    autoplay = false;
  });
  document.querySelectorAll("[data-slideshow]").forEach((button) => {
    button.addEventListener("click", () => {
      if (!container.querySelector("a.tile-link")) return;
      autoplay = true;
      lightbox.loadAndOpen(0, { gallery: container });
    });
  });
}

// --- share -----------------------------------------------------------------------------------

document.addEventListener("click", async (event) => {
  const share = event.target.closest("[data-share-url]");
  if (share) {
    const data = { title: share.dataset.shareTitle, url: share.dataset.shareUrl };
    if (navigator.share) {
      try {
        await navigator.share(data);
      } catch {
        /* the visitor closed the share sheet */
      }
      return;
    }
    try {
      await navigator.clipboard.writeText(data.url);
      announce("Link copied");
      share.dataset.copied = "true";
      setTimeout(() => delete share.dataset.copied, 2000);
    } catch {
      window.prompt("Copy this link", data.url);
    }
  }
  if (event.target.closest("[data-print]")) window.print();
});

const container = document.getElementById("photos");
if (container) setupLightbox(container);
