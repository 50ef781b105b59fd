/* Officer workspace behaviour, wired by data attributes (no inline scripts: the CSP forbids
   them). Every page works without it; it only makes the pages quicker and kinder to use. */
(function () {
  "use strict";

  // A file input with [data-max-bytes] refuses an oversized file before it is uploaded, with
  // the message of [data-too-large] shown under the field (the server checks again anyway).
  function checkFileSize(input) {
    var limit = parseInt(input.getAttribute("data-max-bytes"), 10);
    if (!limit || !input.files) return;
    var tooLarge = Array.prototype.some.call(input.files, function (file) {
      return file.size > limit;
    });
    var id = input.id + "_sizeerror";
    var note = document.getElementById(id);
    if (tooLarge) {
      if (!note) {
        note = document.createElement("p");
        note.id = id;
        note.className = "field-error";
        input.insertAdjacentElement("afterend", note);
      }
      note.textContent = input.getAttribute("data-too-large");
      input.setAttribute("aria-invalid", "true");
      var described = (input.getAttribute("aria-describedby") || "").split(" ");
      if (described.indexOf(id) === -1) {
        input.setAttribute("aria-describedby", described.concat(id).join(" ").trim());
      }
      input.value = "";
    } else if (note) {
      note.remove();
      input.removeAttribute("aria-invalid");
    }
  }

  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target.matches && target.matches("input[type=file][data-max-bytes]")) {
      checkFileSize(target);
    }
  });

  // An error summary marked [data-focus] takes the focus when it appears, so keyboard and
  // screen-reader users land on what went wrong (after a page load or an htmx swap).
  function focusErrors(root) {
    var summary = (root || document).querySelector("[data-focus]");
    if (summary) {
      summary.focus();
      summary.scrollIntoView({ block: "start" });
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrors(document);
  });

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (!target) return;
    focusErrors(target.parentNode || document);
    // After switching inbox list, keep the focus on the tab that was chosen (the old one was
    // replaced by the swap).
    var trigger = event.detail.requestConfig && event.detail.requestConfig.elt;
    var box = trigger && trigger.getAttribute && trigger.getAttribute("data-box");
    if (box) {
      var tab = document.querySelector('a[data-box="' + box + '"]');
      if (tab) tab.focus();
    }
  });
})();
