// A page that moved (an old WordPress address): go to the new one with the anchor the old
// link carried (#comment-12 finds the same comment), which the page's refresh would drop.
(function () {
  var target = document.querySelector('link[rel="canonical"]');
  if (target && location.hash) location.replace(target.href + location.hash);
})();
