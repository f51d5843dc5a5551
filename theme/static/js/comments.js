/* Comment section enhancements: post without leaving the page, errors beside their fields,
   replies in place, newer comments than the build, and the "save my details" choice.
   Without this script the form still works as a plain HTML post. */
(function () {
  "use strict";
  var section = document.getElementById("comments");
  var form = document.getElementById("commentform");
  if (!section || !window.fetch) return;

  var api = section.getAttribute("data-api");
  var thread = section.getAttribute("data-thread");
  var maxDepth = parseInt(section.getAttribute("data-max-depth"), 10) || 5;
  var lastId = parseInt(section.getAttribute("data-last-id"), 10) || 0;
  var list = document.getElementById("comment-list");
  var heading = document.getElementById("comments-heading");
  var respond = document.getElementById("respond");
  var notice = document.getElementById("comment-notice");
  var cancel = document.getElementById("cancel-reply");
  var home = respond && respond.parentNode;
  var homeNext = respond && respond.nextSibling;
  var STORE = "alden-commenter";
  /* One comment's markup, and the server's sanitiser allowlist, come from the page itself
     (rendered from the same templates as the baked comments). */
  var template = document.getElementById("comment-template");
  if (!template) return;
  function words(name) { return (template.getAttribute(name) || "").split(/\s+/).filter(Boolean); }
  var TAGS = words("data-tags").map(function (t) { return t.toUpperCase(); });
  var ATTRIBUTES = words("data-attributes");
  var SCHEMES = words("data-schemes");
  var REL = template.getAttribute("data-rel") || "nofollow ugc noopener";
  /* The fields worth remembering are those the browser autocompletes (name, email, website). */
  var SAVED = form ? Array.prototype.filter.call(form.elements, function (el) {
    return el.name && el.type !== "checkbox" && el.hasAttribute("autocomplete") &&
      el.getAttribute("autocomplete") !== "off";
  }).map(function (el) { return el.name; }) : [];

  function field(name) { return form && form.elements[name]; }

  function say(text, isError) {
    if (!notice) return;
    notice.textContent = text;
    notice.className = "notice" + (isError ? " is-error" : "");
    notice.hidden = false;
    notice.focus();
  }

  function allowedUrl(value) {
    var match = /^\s*([a-z][a-z0-9+.-]*):/i.exec(value);
    return !match || SCHEMES.indexOf(match[1].toLowerCase()) >= 0;
  }

  /* The server sanitises every body; this second pass, with the server's own allowlist,
     keeps the page safe even if it did not. */
  function safeFragment(html) {
    var tpl = document.createElement("template");
    tpl.innerHTML = html || "";
    var nodes = tpl.content.querySelectorAll("*");
    for (var i = 0; i < nodes.length; i++) {
      var node = nodes[i];
      if (TAGS.indexOf(node.tagName) < 0) { node.replaceWith(document.createTextNode(node.textContent)); continue; }
      var tag = node.tagName.toLowerCase();
      for (var j = node.attributes.length - 1; j >= 0; j--) {
        var attr = node.attributes[j];
        var kept = ATTRIBUTES.indexOf(tag + ":" + attr.name) >= 0 &&
          (attr.name !== "href" || allowedUrl(attr.value));
        if (!kept) node.removeAttribute(attr.name);
      }
      if (node.tagName === "A") node.setAttribute("rel", REL);
    }
    return tpl.content;
  }

  function make(tag, className) {
    var node = document.createElement(tag);
    node.className = className;
    return node;
  }

  function dateLabel(iso) {
    var d = new Date(iso);
    if (isNaN(d)) return iso;
    var months = ["January", "February", "March", "April", "May", "June", "July", "August",
      "September", "October", "November", "December"];
    function two(n) { return (n < 10 ? "0" : "") + n; }
    return d.getUTCDate() + " " + months[d.getUTCMonth()] + " " + d.getUTCFullYear() +
      " at " + two(d.getUTCHours()) + ":" + two(d.getUTCMinutes());
  }

  /* A new comment: a copy of the page's template, filled in with text, never with markup. */
  function render(c, depth) {
    var li = template.content.firstElementChild.cloneNode(true);
    var id = "comment-" + c.id;
    li.id = id;
    li.className = "comment depth-" + depth;
    li.setAttribute("data-id", c.id);
    li.querySelector(".comment-body").setAttribute("aria-labelledby", id + "-author");
    var avatar = li.querySelector(".avatar");
    if (/^(https?:|\/)/.test(c.avatar || "")) avatar.src = c.avatar; else avatar.removeAttribute("src");
    var who = li.querySelector(".comment-author");
    who.id = id + "-author";
    var link = who.querySelector("a");
    if (c.url && /^https?:\/\//i.test(c.url)) {
      link.href = c.url;
      link.textContent = c.author;
    } else {
      who.textContent = c.author;
    }
    var report = li.querySelector(".report");
    if (c.staff) {
      var badge = document.createElement("span");
      badge.className = "staff-badge";
      badge.textContent = "Staff";
      who.appendChild(document.createTextNode(" "));
      who.appendChild(badge);
      if (report) report.remove();
    } else if (report) {
      var reportLink = report.querySelector("a");
      reportLink.href = api + "/comments/" + c.id + "/report";
      reportLink.setAttribute("aria-label", "Report the comment of " + c.author);
    }
    var when = li.querySelector(".comment-date a");
    when.href = "#" + id;
    var time = when.querySelector("time");
    time.setAttribute("datetime", c.created);
    time.textContent = dateLabel(c.created);
    li.querySelector(".comment-content").appendChild(safeFragment(c.body_html));
    var reply = li.querySelector(".reply");
    if (reply && (!form || depth >= maxDepth)) {
      reply.remove();
    } else if (reply) {
      var replyLink = reply.querySelector("a");
      replyLink.href = api + "/threads/" + encodeURIComponent(thread) + "/reply?parent=" + c.id;
      replyLink.setAttribute("data-parent", c.id);
      replyLink.setAttribute("aria-label", "Reply to " + c.author);
    }
    return li;
  }

  function setCount() {
    var n = section.querySelectorAll("li.comment").length;
    heading.textContent = n === 0 ? "No comments yet" : n === 1 ? "1 Comment" : n + " Comments";
  }

  function insert(c) {
    if (document.getElementById("comment-" + c.id)) return;
    var parent = c.parent && document.getElementById("comment-" + c.parent);
    var holder, depth = 1;
    if (parent) {
      var parentDepth = parseInt(parent.className.replace(/.*depth-(\d+).*/, "$1"), 10) || 1;
      if (parentDepth < maxDepth) {
        depth = parentDepth + 1;
        holder = parent.querySelector(":scope > ol.children");
        if (!holder) { holder = make("ol", "comment-list children"); parent.appendChild(holder); }
      } else {
        depth = parentDepth;
        holder = parent.parentNode;
      }
    } else {
      holder = list.querySelector(":scope > ol.comment-list");
      if (!holder) { holder = make("ol", "comment-list"); list.appendChild(holder); }
    }
    holder.appendChild(render(c, depth));
    lastId = Math.max(lastId, c.id);
    setCount();
  }

  /* Comments published after the page was built, until the page is rebuilt. */
  function loadNewer(url) {
    fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return;
        data.comments.forEach(insert);
        if (data.next) loadNewer(data.next);
        if (location.hash && /^#comment-\d+$/.test(location.hash)) {
          var target = document.querySelector(location.hash);
          if (target) target.scrollIntoView();
        }
      })
      .catch(function () {});
  }
  /* Only the article's own page takes newer comments; an older comment page stays as baked. */
  if (!section.hasAttribute("data-older-page")) {
    loadNewer(api + "/threads/" + encodeURIComponent(thread) + "/comments?after=" + lastId);
  }

  if (!form) return;

  function replyTo(id) {
    var target = document.getElementById("comment-" + id);
    if (!target) return;
    field("parent").value = id;
    target.querySelector(".comment-body").after(respond);
    cancel.hidden = false;
    field("body").focus();
  }

  section.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest(".comment-reply-link");
    if (!link) return;
    event.preventDefault();
    replyTo(link.getAttribute("data-parent"));
  });
  function endReply() {
    field("parent").value = "";
    home.insertBefore(respond, homeNext);
    cancel.hidden = true;
  }
  cancel.addEventListener("click", function (event) {
    event.preventDefault();
    endReply();
    field("body").focus();
  });

  var saved = null;
  try { saved = JSON.parse(localStorage.getItem(STORE) || "null"); } catch (e) { saved = null; }
  if (saved) {
    SAVED.forEach(function (name) { if (saved[name] && !field(name).value) field(name).value = saved[name]; });
    field("remember").checked = true;
  }

  /* Each field's message box is the first element its aria-describedby names. */
  function errorBox(el) {
    var ids = el && el.getAttribute && (el.getAttribute("aria-describedby") || "").split(/\s+/);
    return ids && ids[0] ? document.getElementById(ids[0]) : null;
  }

  function clearErrors() {
    Array.prototype.forEach.call(form.elements, function (el) {
      var box = errorBox(el);
      if (box) { box.hidden = true; box.textContent = ""; }
      if (el.removeAttribute) el.removeAttribute("aria-invalid");
    });
  }

  function showErrors(errors) {
    var first = null, other = [];
    Object.keys(errors).forEach(function (name) {
      var box = errorBox(field(name));
      if (box) {
        box.textContent = errors[name];
        box.hidden = false;
        field(name).setAttribute("aria-invalid", "true");
        first = first || field(name);
      } else {
        other.push(errors[name]);
      }
    });
    if (other.length) say(other.join(" "), true);
    else if (notice) notice.hidden = true;
    if (first) first.focus();
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    clearErrors();
    var data = {};
    for (var i = 0; i < form.elements.length; i++) {
      var el = form.elements[i];
      /* Every named field of the form goes, as a plain post would send it. */
      if (!el.name || el.type === "submit" || (el.type === "checkbox" && !el.checked)) continue;
      data[el.name] = el.value;
    }
    var button = document.getElementById("comment-submit");
    button.disabled = true;
    fetch(form.getAttribute("action"), {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      credentials: "same-origin",
      body: JSON.stringify(data)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (body) { return [r.status, body]; });
    }).then(function (result) {
      var status = result[0], body = result[1];
      if (status === 201) {
        try {
          if (field("remember").checked) {
            localStorage.setItem(STORE, JSON.stringify({ author: data.author, email: data.email, url: data.url }));
          } else {
            localStorage.removeItem(STORE);
          }
        } catch (e) { /* storage may be off: posting still worked */ }
        field("body").value = "";
        endReply();
        if (body.status === "published") {
          insert(body);
          say("Your comment has been published.");
        } else {
          say("Your comment is awaiting moderation.");
        }
      } else if (body.errors) {
        showErrors(body.errors);
      } else {
        say(body.error || body.message || "Your comment could not be posted (error " + status + "). Please try again.", true);
      }
    }).catch(function () {
      say("Your comment could not be sent: check your connection and try again.", true);
    }).then(function () { button.disabled = false; });
  });
})();
