// Small behaviours without inline script (the Content-Security-Policy forbids it).
document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("[data-autosubmit]")) {
    target.form.submit();
  }
});
document.addEventListener("click", function (event) {
  var target = event.target.closest ? event.target.closest("[data-confirm]") : null;
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
  var printer = event.target.closest ? event.target.closest("[data-print]") : null;
  if (printer) {
    event.preventDefault();
    window.print();
  }
});
