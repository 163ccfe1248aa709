// Uploading photos and documents on the case page: one request per file through the API, each with its
// own progress bar and, when refused, its own message. Without JavaScript the form posts all files at once.
(function () {
  "use strict";

  function csrfToken(form) {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function chosenFiles(form) {
    var files = [];
    form.querySelectorAll("[data-upload-input]").forEach(function (input) {
      Array.prototype.forEach.call(input.files, function (file) { files.push(file); });
    });
    return files;
  }

  function row(list, file) {
    var item = document.createElement("li");
    var name = document.createElement("span");
    name.textContent = file.name;
    var bar = document.createElement("progress");
    bar.max = 100;
    bar.value = 0;
    var message = document.createElement("span");
    message.className = "upload-message";
    item.append(name, bar, message);
    list.append(item);
    return { item: item, bar: bar, message: message };
  }

  function errorText(form, xhr) {
    try {
      var body = JSON.parse(xhr.responseText);
      var first = Object.keys(body)[0];
      var value = body[first];
      return Array.isArray(value) ? value.join(" ") : String(value);
    } catch (e) {
      return (form.getAttribute("data-failed") || "") + " (" + xhr.status + ")";
    }
  }

  function addThumbnail(panel, data) {
    if (!data.thumbnail_url) { return; }
    var gallery = panel.querySelector("[data-gallery]");
    var empty = panel.querySelector("[data-no-photos]");
    if (empty) { empty.remove(); }
    var item = document.createElement("li");
    item.className = "photo";
    var link = document.createElement("a");
    link.href = data.url;
    link.target = "_blank";
    link.rel = "noopener";
    var image = document.createElement("img");
    image.src = data.thumbnail_url;
    image.alt = data.name;
    link.append(image);
    item.append(link);
    gallery.append(item);
  }

  function send(form, file, view) {
    return new Promise(function (resolve) {
      var data = new FormData();
      data.append("file", file);
      ["personal", "public"].forEach(function (name) {
        var box = form.querySelector("input[name=" + name + "]");
        if (box && box.checked) { data.append(name, "true"); }
      });
      var xhr = new XMLHttpRequest();
      xhr.open("POST", form.getAttribute("data-api"));
      xhr.setRequestHeader("X-CSRFToken", csrfToken(form));
      xhr.setRequestHeader("Accept", "application/json");
      xhr.upload.addEventListener("progress", function (event) {
        if (event.lengthComputable) { view.bar.value = Math.round((event.loaded / event.total) * 100); }
      });
      xhr.addEventListener("load", function () {
        if (xhr.status === 201) {
          view.bar.value = 100;
          view.item.classList.add("done");
          view.message.textContent = form.getAttribute("data-done");
          addThumbnail(form.closest("[data-attachments]"), JSON.parse(xhr.responseText));
        } else {
          view.item.classList.add("rejected");
          view.message.textContent = errorText(form, xhr);
        }
        resolve(xhr.status === 201);
      });
      xhr.addEventListener("error", function () {
        view.item.classList.add("rejected");
        view.message.textContent = form.getAttribute("data-failed");
        resolve(false);
      });
      xhr.send(data);
    });
  }

  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("[data-upload-input]")) { return; }
    var form = input.form;
    var names = chosenFiles(form).map(function (file) { return file.name; });
    form.querySelector("[data-upload-chosen]").textContent = names.join("、");
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.matches || !form.matches("[data-upload]") || !window.FormData) { return; }
    event.preventDefault();
    var files = chosenFiles(form);
    if (!files.length) { return; }
    var list = form.querySelector("[data-upload-list]");
    list.textContent = "";
    var views = files.map(function (file) { return row(list, file); });
    // One file after another: a phone on a weak signal finishes each photo instead of all at once.
    files.reduce(function (previous, file, index) {
      return previous.then(function () { return send(form, file, views[index]); });
    }, Promise.resolve()).then(function () {
      form.querySelectorAll("[data-upload-input]").forEach(function (input) { input.value = ""; });
      form.querySelector("[data-upload-chosen]").textContent = "";
    });
  });
})();
