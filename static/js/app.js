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
// Copy a field's text (the online visit link on the case page).
document.addEventListener("click", function (event) {
  var button = event.target.closest ? event.target.closest("[data-copy]") : null;
  if (!button) return;
  var field = document.querySelector(button.getAttribute("data-copy"));
  if (!field) return;
  field.select();
  if (navigator.clipboard) {
    navigator.clipboard.writeText(field.value).catch(function () { document.execCommand("copy"); });
  } else {
    document.execCommand("copy");
  }
});
