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

// The header's menu button on a phone: the menu (navigation, account, language) folds behind it.
// Filter panels marked data-fold-toggle fold the same way (the case list's filters).
document.addEventListener("click", function (event) {
  var toggle = event.target.closest ? event.target.closest("[data-menu-toggle], [data-fold-toggle]") : null;
  if (!toggle) {
    return;
  }
  var holder = toggle.hasAttribute("data-menu-toggle")
    ? toggle.closest(".site-header")
    : document.getElementById(toggle.getAttribute("aria-controls"));
  var open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
  if (holder) {
    holder.classList.toggle("is-open", open);
  }
});
