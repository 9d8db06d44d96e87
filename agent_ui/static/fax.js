/* Fax pages: zoom and rotate in the browser; the stored files are never changed. */
(function () {
  "use strict";
  var scale = 1, turn = 0;
  var pages = document.querySelectorAll(".fax-page img");
  function apply() {
    Array.prototype.forEach.call(pages, function (img) {
      img.style.transform = "rotate(" + turn + "deg)";
      img.style.width = (scale * 100) + "%";
    });
  }
  document.addEventListener("click", function (ev) {
    var what = ev.target.getAttribute && ev.target.getAttribute("data-fax");
    if (!what) { return; }
    if (what === "in") { scale = Math.min(scale * 1.25, 4); }
    if (what === "out") { scale = Math.max(scale / 1.25, 0.25); }
    if (what === "rotate") { turn = (turn + 90) % 360; }
    apply();
  });
})();
