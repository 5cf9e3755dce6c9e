// Proofsheet's page script: htmx for server-driven updates, plus small islands of our own.
import htmx from "htmx.org";
import "./main.css";
import "./pwa.js";

window.htmx = htmx;
document.documentElement.classList.add("js");
// htmx would inject a <style> element for its indicators, which our CSP (style-src 'self') blocks.
htmx.config.includeIndicatorStyles = false;

// htmx needs the CSRF token on every unsafe request; Django puts it in the csrftoken cookie.
document.addEventListener("htmx:configRequest", (event) => {
  const match = document.cookie.match(/(?:^|; )csrftoken=([^;]+)/);
  if (match) event.detail.headers["X-CSRFToken"] = decodeURIComponent(match[1]);
});
