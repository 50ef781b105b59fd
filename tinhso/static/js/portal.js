/* Portal page behaviour, wired by data attributes (no inline scripts: the CSP forbids them).
   Everything here is an enhancement: the pages work without JavaScript. */
(function () {
  "use strict";

  // Under the strict CSP (style-src 'self') htmx must not copy "style" attributes while it
  // settles swapped content: an element that carries one (tools may leave style="" behind) would
  // make the browser report a CSP violation.
  if (window.htmx && window.htmx.config) {
    window.htmx.config.attributesToSettle = ["class", "width", "height"];
  }

  // A form with [data-submit-once] disables its submit buttons once submitted, so a double click
  // sends one request (the server is idempotent anyway).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("form[data-submit-once]")) return;
    if (form.getAttribute("data-submitting") === "true") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-submitting", "true");
    form.setAttribute("aria-busy", "true");
    window.setTimeout(function () {
      form.querySelectorAll("button[type=submit], button:not([type])").forEach(function (button) {
        button.disabled = true;
      });
    }, 0);
  });

  // A page restored from the back-forward cache gets its buttons back.
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-submitting]").forEach(function (form) {
      form.removeAttribute("data-submitting");
      form.removeAttribute("aria-busy");
      form.querySelectorAll("button[disabled]").forEach(function (button) {
        button.disabled = false;
      });
    });
  });

  // Pages returned with errors move the focus to the summary, so screen readers read it first.
  function focusErrors() {
    var summary = document.querySelector("[data-error-summary]");
    if (summary) summary.focus();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusErrors);
  } else {
    focusErrors();
  }

  // The shared upload progress bar (tinhso.js fills it) is hidden again when an upload ends.
  document.addEventListener("htmx:afterRequest", function (event) {
    var form = event.target.closest && event.target.closest("form[data-progress]");
    if (!form) return;
    var bar = document.getElementById(form.getAttribute("data-progress"));
    if (bar) bar.hidden = true;
  });

  // After an upload block is swapped in, keep the keyboard focus on its file input.
  document.addEventListener("htmx:afterSwap", function (event) {
    var block = event.detail && event.detail.target;
    if (!block || !block.id || block.id.indexOf("component-") !== 0) return;
    var fresh = document.getElementById(block.id);
    var input = fresh && fresh.querySelector("input[type=file]");
    if (input && document.activeElement === document.body) input.focus();
  });
})();
