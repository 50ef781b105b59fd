/* Ask form (tinhso/qna): show the commune field for procedures a commune handles and the agency
   field for general questions only. Without JavaScript every field stays visible with its help
   text; a field that shows an error is never hidden. */
(function () {
  "use strict";

  function toggle(wrapper, show) {
    if (!wrapper) return;
    var hasError = wrapper.querySelector(".errorlist");
    wrapper.hidden = !show && !hasError;
  }

  function update(form) {
    var select = form.querySelector("[data-qna-procedure]");
    if (!select) return;
    var option = select.options[select.selectedIndex];
    var general = !select.value;
    var commune = !!(option && option.hasAttribute("data-commune"));
    toggle(form.querySelector("[data-qna-commune]"), commune);
    toggle(form.querySelector("[data-qna-agency]"), general);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var forms = document.querySelectorAll("form[data-qna-ask]");
    Array.prototype.forEach.call(forms, function (form) {
      update(form);
      form.addEventListener("change", function (event) {
        if (event.target.matches("[data-qna-procedure]")) update(form);
      });
    });
  });
})();
