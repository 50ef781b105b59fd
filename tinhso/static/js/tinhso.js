/* tinhso page behaviour. No inline scripts anywhere (the CSP forbids them): pages mark elements
   with data-* attributes and this file wires them up. Everything works without JavaScript too. */
(function () {
  "use strict";

  // The phone's menu button: shown once this script runs (the CSS folds the menu only then),
  // it opens and closes the site menu.
  document.documentElement.classList.add("js");
  var menuButton = document.querySelector(".menu-button");
  var menu = menuButton && document.getElementById(menuButton.getAttribute("aria-controls"));
  if (menuButton && menu) {
    menuButton.hidden = false;
    menuButton.addEventListener("click", function () {
      var open = menuButton.getAttribute("aria-expanded") !== "true";
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    });
  }

  // Upload progress: a form with [data-progress] shows the progress of its htmx request in the
  // <progress> element whose id the attribute names.
  document.addEventListener("htmx:xhr:progress", function (event) {
    var form = event.target.closest && event.target.closest("form[data-progress]");
    if (!form || !event.detail.lengthComputable) return;
    var bar = document.getElementById(form.getAttribute("data-progress"));
    if (!bar) return;
    bar.hidden = false;
    bar.max = event.detail.total;
    bar.value = event.detail.loaded;
  });

  // A select with [data-autosubmit] submits its form on change (the form keeps a button for
  // keyboard users and for browsers without JavaScript).
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("[data-autosubmit]")) {
      event.target.form.requestSubmit();
    }
  });

  // A button with [data-confirm] asks before submitting its form.
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-confirm]");
    if (button && !window.confirm(button.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
