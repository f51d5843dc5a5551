/* "Check Also": once the reader has passed the end of the article, the box also slides in at
   a bottom corner, closable with ×. Without this script it stands in place after the article.
   The corner copy never covers the comment form: it stays hidden while the form is on screen
   or one of its fields has focus. */
(function () {
  "use strict";
  var box = document.getElementById("check-also");
  var story = document.querySelector("article.story");
  if (!box || !story) return;
  var pick = box.querySelector(".check-also-pick");
  var title = box.querySelector(".check-also-title a");
  var heading = box.querySelector("#check-also-heading");
  if (!pick || !title) return;

  var corner = document.createElement("aside");
  corner.className = "check-also-corner";
  /* A name of its own: two landmarks of one kind need different names (both may be on
     screen at once, for instance after the comment form has moved the page). */
  corner.setAttribute("aria-label", "Check Also: suggested article");
  if (heading && heading.hasAttribute("lang")) corner.setAttribute("lang", heading.getAttribute("lang"));
  corner.hidden = true;
  var label = document.createElement("p");
  label.className = "check-also-corner-label";
  label.setAttribute("aria-hidden", "true");
  label.textContent = "Check Also";
  var link = document.createElement("a");
  link.href = title.getAttribute("href");
  link.textContent = title.textContent;
  /* A headline in another language than the page's says so, as it does in the box. */
  var titled = title.closest("[lang]");
  if (titled && box.contains(titled)) link.setAttribute("lang", titled.getAttribute("lang"));
  else if (corner.hasAttribute("lang")) link.setAttribute("lang", document.documentElement.lang);
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

  /* The comment form: the "Leave a Reply" block, or else any form of the comment section.
     Looked up each time, since replying to a comment moves the block. */
  function commentForm() {
    return document.getElementById("respond") || document.querySelector("#comments form");
  }
  function onScreen(element) {
    var rect = element.getBoundingClientRect();
    return rect.bottom > 0 && rect.top < window.innerHeight && rect.height > 0;
  }
  function formInUse() {
    var form = commentForm();
    if (!form) return false;
    return form.contains(document.activeElement) || onScreen(form);
  }

  /* Show once the end of the article has scrolled above the viewport, and only while the box
     itself is not on screen (no point in two copies side by side) and the comment form is
     neither on screen nor being filled in. A jump past the article crosses no intersection
     threshold, so positions are read on scroll instead. */
  var queued = false;
  function update() {
    queued = false;
    var storyEnded = story.getBoundingClientRect().bottom < 0;
    corner.hidden = dismissed || !storyEnded || onScreen(box) || formInUse();
  }
  function schedule() {
    if (!queued) { queued = true; window.requestAnimationFrame(update); }
  }
  /* Focus changes are applied at once: the corner must be gone before the first keystroke. */
  document.addEventListener("focusin", update);
  document.addEventListener("focusout", function () { window.setTimeout(update, 0); });
  window.addEventListener("scroll", schedule, { passive: true });
  window.addEventListener("resize", schedule);
  update();
})();
