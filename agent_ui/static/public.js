/* Keep what a resident types on this device, so nothing is lost to a slow SMS code,
   a closed tab or a failed upload. Only text fields; never files or the honeypot. */
(function () {
  "use strict";
  var store = window.localStorage;
  function key(name) { return "cc-draft:" + name; }
  var done = document.querySelector("[data-clear-draft]");
  if (done && store) {  /* the request went in: forget the typed draft */
    try { store.removeItem(key(done.getAttribute("data-clear-draft"))); } catch (e) {}
  }
  var form = document.querySelector("form[data-draft]");
  if (!form || !store) { return; }
  var name = form.getAttribute("data-draft");
  var fields = form.querySelectorAll("textarea, input[type=text], input:not([type]), input[type=tel], select");
  var saved = {};
  try { saved = JSON.parse(store.getItem(key(name)) || "{}"); } catch (e) { saved = {}; }
  Array.prototype.forEach.call(fields, function (el) {
    if (el.name === "website" || el.name === "csrf_token") { return; }
    if (!el.value && saved[el.name]) { el.value = saved[el.name]; }
    el.addEventListener("input", function () {
      saved[el.name] = el.value;
      try { store.setItem(key(name), JSON.stringify(saved)); } catch (e) {}
    });
  });
})();
