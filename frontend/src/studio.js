// The photographer's studio: batch upload (Uppy + tus, resumable), live photo grid, selection,
// drag-and-drop ordering. Loaded only on studio pages.
import Uppy from "@uppy/core";
import Dashboard from "@uppy/dashboard";
import GoldenRetriever from "@uppy/golden-retriever";
import Tus from "@uppy/tus";
import Sortable from "sortablejs";
import "@uppy/core/css/style.min.css";
import "@uppy/dashboard/css/style.min.css";
import "./studio.css";

function csrfToken() {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  return match ? decodeURIComponent(match[1]) : "";
}

async function post(url, body) {
  const response = await fetch(url, {
    method: "POST",
    body,
    headers: { "X-CSRFToken": csrfToken() },
    credentials: "same-origin",
  });
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return response;
}

function refreshGrid() {
  const grid = document.getElementById("photo-grid");
  if (grid && window.htmx) {
    window.htmx.ajax("GET", grid.dataset.refreshUrl, { target: "#photo-grid", swap: "outerHTML" });
  }
}

// --- Upload -------------------------------------------------------------------------------

function setUpUploader(el) {
  const uppy = new Uppy({
    id: `gallery-${el.dataset.gallery}`,
    autoProceed: false,
    restrictions: {
      maxFileSize: Number(el.dataset.maxBytes),
      allowedFileTypes: ["image/*", ".jpg", ".jpeg", ".png", ".webp", ".tif", ".tiff", ".heic", ".heif"],
    },
  })
    .use(Dashboard, {
      inline: true,
      target: "#uppy-dashboard",
      width: "100%",
      height: 300,
      showProgressDetails: true,
      proudlyDisplayPoweredByUppy: false,
      note: el.dataset.note,
    })
    .use(Tus, {
      endpoint: el.dataset.endpoint,
      chunkSize: 5 * 1024 * 1024,
      limit: 3,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      headers: () => ({ "X-CSRFToken": csrfToken() }),
      allowedMetaFields: ["name", "type", "batchId", "setId"],
      removeFingerprintOnSuccess: true,
    })
    // Keeps the queue (and the files, in IndexedDB) across a reload or a visit to another page;
    // tus resumes the bytes. A file the browser could not keep shows as a "ghost": adding it
    // again resumes it from where the server got to.
    .use(GoldenRetriever, {
      serviceWorker: false,
      indexedDB: { maxFileSize: Number(el.dataset.maxBytes), maxTotalSize: 4 * 1024 ** 3 },
    });

  let batchId = null;
  let starting = null;
  async function ensureBatch() {
    if (batchId) return batchId;
    if (!starting) {
      starting = post(el.dataset.batchUrl).then((r) => r.text()).then((id) => {
        batchId = id;
        return id;
      });
    }
    return starting;
  }

  uppy.on("files-added", async (files) => {
    const id = await ensureBatch();
    for (const file of files) {
      uppy.setFileMeta(file.id, { batchId: id, setId: el.dataset.set || "" });
    }
    uppy.upload();
  });
  // After a reload, carry on by itself (the same as pressing "Upload" in the status bar).
  uppy.on("restored", () => uppy.emit("restore-confirmed"));
  // A file the server rejects ends with 422 and the reason as the body: show that sentence.
  uppy.on("upload-error", (file, error) => {
    const response = error?.originalResponse;
    if (file && response?.getStatus?.() === 422) {
      const reason = response.getBody();
      uppy.setFileState(file.id, { error: reason });
      const item = document.createElement("li");
      item.textContent = `${file.name}: ${reason}`;
      document.getElementById("upload-errors")?.append(item);
    }
  });
  let timer = null;
  uppy.on("upload-success", () => {
    clearTimeout(timer);
    timer = setTimeout(refreshGrid, 400);
  });
  uppy.on("complete", async (result) => {
    refreshGrid();
    const id = batchId;
    batchId = null;
    starting = null;
    if (id) await post(el.dataset.batchDoneUrl.replace("00000000-0000-0000-0000-000000000000", id));
    if (!result.failed || result.failed.length === 0) {
      setTimeout(() => uppy.clear(), 1500);
    }
  });
  window.proofsheetUppy = uppy;
}

// --- Grid: keep the selection across refreshes; ordering ----------------------------------

let selected = new Set();
document.addEventListener("change", (event) => {
  const box = event.target;
  if (box.matches?.("input[name=photos]")) {
    if (box.checked) selected.add(box.value);
    else selected.delete(box.value);
    updateSelectionCount();
  }
  if (box.matches?.("#select-all")) {
    for (const other of document.querySelectorAll("input[name=photos]")) {
      other.checked = box.checked;
      if (box.checked) selected.add(other.value);
      else selected.delete(other.value);
    }
    updateSelectionCount();
  }
});

function updateSelectionCount() {
  const count = document.getElementById("selection-count");
  if (count) count.textContent = `${selected.size} selected`;
}

function restoreSelection() {
  for (const box of document.querySelectorAll("input[name=photos]")) {
    box.checked = selected.has(box.value);
  }
  updateSelectionCount();
}

function setUpSorting() {
  const grid = document.querySelector("#photo-grid[data-sortable=true] .photo-grid");
  if (!grid || grid.dataset.sortableReady) return;
  grid.dataset.sortableReady = "1";
  Sortable.create(grid, {
    animation: 150,
    onEnd() {
      const body = new FormData();
      for (const tile of grid.querySelectorAll("[data-id]")) body.append("photos", tile.dataset.id);
      post(document.getElementById("photo-grid").dataset.orderUrl, body);
    },
  });
}

document.addEventListener("htmx:afterSwap", () => {
  restoreSelection();
  setUpSorting();
});

// Copy buttons: `data-copy` holds the text (the client link, a Lightroom filter).
async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) {
    await navigator.clipboard.writeText(text);
    return;
  }
  // Plain-http sites have no Clipboard API: fall back to a hidden, selected textarea.
  const area = document.createElement("textarea");
  area.value = text;
  area.setAttribute("readonly", "");
  area.className = "visually-hidden";
  document.body.append(area);
  area.select();
  const ok = document.execCommand("copy");
  area.remove();
  if (!ok) throw new Error("copy refused");
}

document.addEventListener("click", async (event) => {
  const button = event.target.closest?.("[data-copy]");
  if (!button) return;
  event.preventDefault();
  const label = button.dataset.label || button.textContent;
  button.dataset.label = label;
  try {
    await copyText(button.dataset.copy);
    button.textContent = "Copied";
    button.classList.add("copied");
  } catch {
    button.textContent = "Select and copy by hand";
  }
  clearTimeout(button.copyTimer);
  button.copyTimer = setTimeout(() => {
    button.textContent = label;
    button.classList.remove("copied");
  }, 2000);
});

// The refund form: ticking an item or typing an amount chooses that way of refunding (without
// script the server refuses "the rest" with items ticked, so nothing is refunded by mistake).
document.addEventListener("input", (event) => {
  const form = event.target.closest?.(".refund-form");
  if (!form) return;
  const way = event.target.name === "lines" ? "lines" : event.target.name === "amount" ? "amount" : "";
  const radio = way && form.querySelector(`input[name="what"][value="${way}"]`);
  if (radio && (event.target.type !== "checkbox" || event.target.checked)) radio.checked = true;
});

// Forms that destroy things ask first.
document.addEventListener("submit", (event) => {
  const message = event.target.dataset?.confirm;
  if (message && !window.confirm(message)) event.preventDefault();
});

document.addEventListener("DOMContentLoaded", () => {
  const el = document.getElementById("uploader");
  if (el) setUpUploader(el);
  setUpSorting();
  updateSelectionCount();
});
