/* Preview of a dossier's files in the officer's dossier page: a PDF is drawn page by page on a
   canvas by the vendored pdf.js (no frame: the site sends X-Frame-Options DENY), an image is
   shown as an <img>. Both are read from the file's private download URL (same origin, the
   officer's session). Wired by data attributes (no inline script: the CSP forbids it); without
   JavaScript the preview buttons stay hidden and the download links work as before. */
(function () {
  "use strict";

  var panel = document.querySelector("[data-preview-panel]");
  if (!panel) return;
  var pdfjsUrl = panel.getAttribute("data-pdfjs");
  var workerUrl = panel.getAttribute("data-pdfjs-worker");
  var title = panel.querySelector("[data-preview-title]");
  var stage = panel.querySelector("[data-preview-stage]");
  var nav = panel.querySelector("[data-preview-nav]");
  var prev = panel.querySelector("[data-preview-prev]");
  var next = panel.querySelector("[data-preview-next]");
  var pageLabel = panel.querySelector("[data-preview-page]");
  var status = panel.querySelector("[data-preview-status]");
  var pdfjs = null;
  var current = { doc: null, page: 1, token: 0, rendering: null };

  function say(text) {
    status.textContent = text || "";
  }

  function loadPdfjs() {
    if (!pdfjs) {
      pdfjs = import(pdfjsUrl).then(function (lib) {
        lib.GlobalWorkerOptions.workerSrc = workerUrl;
        return lib;
      });
    }
    return pdfjs;
  }

  function showPage(number) {
    var doc = current.doc;
    if (!doc) return Promise.resolve();
    number = Math.max(1, Math.min(doc.numPages, number));
    current.page = number;
    prev.disabled = number <= 1;
    next.disabled = number >= doc.numPages;
    pageLabel.textContent = panel
      .getAttribute("data-page-label")
      .replace("{n}", number)
      .replace("{total}", doc.numPages);
    var token = current.token;
    return doc.getPage(number).then(function (page) {
      if (token !== current.token) return;
      var width = Math.max(stage.clientWidth || 0, 320);
      var base = page.getViewport({ scale: 1 });
      var scale = Math.min(width / base.width, 2);
      var ratio = window.devicePixelRatio || 1;
      var viewport = page.getViewport({ scale: scale * ratio });
      var canvas = document.createElement("canvas");
      canvas.width = Math.floor(viewport.width);
      canvas.height = Math.floor(viewport.height);
      canvas.style.width = Math.floor(viewport.width / ratio) + "px";
      canvas.setAttribute("role", "img");
      canvas.setAttribute("aria-label", title.textContent + " – " + pageLabel.textContent);
      canvas.setAttribute("data-testid", "preview-canvas");
      if (current.rendering) current.rendering.cancel();
      var task = page.render({ canvas: canvas, canvasContext: canvas.getContext("2d"), viewport: viewport });
      current.rendering = task;
      return task.promise.then(
        function () {
          if (token !== current.token) return;
          stage.replaceChildren(canvas);
          canvas.setAttribute("data-rendered", String(number));
          say("");
        },
        function (error) {
          if (error && error.name === "RenderingCancelledException") return;
          throw error;
        }
      );
    });
  }

  function openPdf(url) {
    nav.hidden = false;
    say(panel.getAttribute("data-loading"));
    var token = current.token;
    return Promise.all([
      loadPdfjs(),
      fetch(url, { credentials: "same-origin" }).then(function (response) {
        if (!response.ok) throw new Error("HTTP " + response.status);
        return response.arrayBuffer();
      }),
    ])
      .then(function (found) {
        if (token !== current.token) return null;
        return found[0].getDocument({ data: found[1], isEvalSupported: false }).promise;
      })
      .then(function (doc) {
        if (!doc || token !== current.token) return;
        current.doc = doc;
        return showPage(1);
      });
  }

  function openImage(url, name) {
    nav.hidden = true;
    var image = document.createElement("img");
    image.src = url;
    image.alt = name;
    image.setAttribute("data-testid", "preview-image");
    stage.replaceChildren(image);
    say("");
    return Promise.resolve();
  }

  function open(button) {
    current.token += 1;
    if (current.doc) current.doc.destroy();
    current.doc = null;
    stage.replaceChildren();
    panel.hidden = false;
    title.textContent = button.getAttribute("data-name");
    var url = button.getAttribute("data-preview");
    var opened =
      button.getAttribute("data-type") === "application/pdf"
        ? openPdf(url)
        : openImage(url, button.getAttribute("data-name"));
    opened.catch(function () {
      say(panel.getAttribute("data-failed"));
    });
    panel.scrollIntoView({ block: "start" });
    panel.focus();
  }

  document.querySelectorAll("[data-preview]").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () {
      open(button);
    });
  });
  prev.addEventListener("click", function () {
    showPage(current.page - 1);
  });
  next.addEventListener("click", function () {
    showPage(current.page + 1);
  });
  panel.querySelector("[data-preview-close]").addEventListener("click", function () {
    current.token += 1;
    if (current.doc) current.doc.destroy();
    current.doc = null;
    stage.replaceChildren();
    panel.hidden = true;
  });
})();
