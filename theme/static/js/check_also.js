/* "Check Also": once the reader has passed the end of the article, the box also slides in at
   a bottom corner, closable with ×. Without this script it stands in place after the article. */
(function () {
  "use strict";
  var box = document.getElementById("check-also");
  var story = document.querySelector("article.story");
  if (!box || !story) return;
  var pick = box.querySelector(".check-also-pick");
  var title = box.querySelector(".check-also-title a");
  if (!pick || !title) return;

  var corner = document.createElement("aside");
  corner.className = "check-also-corner";
  corner.setAttribute("aria-label", "Check Also, in the corner");  // not the same name as the box in the page
  corner.hidden = true;
  var label = document.createElement("p");
  label.className = "check-also-corner-label";
  label.textContent = "Check Also";
  var link = document.createElement("a");
  link.href = title.getAttribute("href");
  link.textContent = title.textContent;
  var close = document.createElement("button");
  close.type = "button";
  close.className = "check-also-close";
  close.setAttribute("aria-label", "Close Check Also");
  close.textContent = "\u00d7";
  corner.appendChild(label);
  corner.appendChild(link);
  corner.appendChild(close);
  document.body.appendChild(corner);

  var dismissed = false;
  close.addEventListener("click", function () {
    dismissed = true;
    corner.hidden = true;
  });
  document.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && !corner.hidden) close.click();
  });

  /* Show once the end of the article has scrolled above the viewport, and only while the box
     itself is not on screen (no point in two copies side by side). A jump past the article
     crosses no intersection threshold, so positions are read on scroll instead. */
  var queued = false;
  function update() {
    queued = false;
    var storyEnded = story.getBoundingClientRect().bottom < 0;
    var rect = box.getBoundingClientRect();
    var boxVisible = rect.bottom > 0 && rect.top < window.innerHeight;
    corner.hidden = dismissed || !storyEnded || boxVisible;
  }
  function schedule() {
    if (!queued) { queued = true; window.requestAnimationFrame(update); }
  }
  window.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);
  update();
})();
