/* Keep shared URLs short: empty form fields are not sent. The page works without this file. */
(function () {
  "use strict";
  var forms = document.querySelectorAll("form.search");
  Array.prototype.forEach.call(forms, function (form) {
    form.addEventListener("submit", function () {
      Array.prototype.forEach.call(form.elements, function (el) {
        if (el.name && el.name !== "q" && el.value === "") { el.disabled = true; }
      });
      window.setTimeout(function () {
        Array.prototype.forEach.call(form.elements, function (el) { el.disabled = false; });
      }, 0);
    });
  });
})();
