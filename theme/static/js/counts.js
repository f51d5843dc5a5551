/* List pages: bring the baked comment counts up to date from the comment service. */
(function () {
  "use strict";
  var links = document.querySelectorAll("a.comment-count[data-thread]");
  if (!links.length || !window.fetch) return;
  var api = document.body.getAttribute("data-comments-api") || "/api";
  var query = Array.prototype.map.call(links, function (a) {
    return "thread=" + encodeURIComponent(a.getAttribute("data-thread"));
  }).join("&");
  fetch(api + "/counts?" + query, { headers: { Accept: "application/json" } })
    .then(function (r) { return r.ok ? r.json() : null; })
    .then(function (data) {
      if (!data) return;
      var counts = data.counts || data;
      Array.prototype.forEach.call(links, function (a) {
        var n = counts[a.getAttribute("data-thread")];
        if (typeof n !== "number") return;
        // A list shows a count only when there are comments: none says nothing at all.
        a.textContent = n === 0 ? "" : n === 1 ? "1 Comment" : n + " Comments";
        a.hidden = n === 0;
      });
    })
    .catch(function () {});
})();
