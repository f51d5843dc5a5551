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
  /* This browser's own comments still in their edit time: [{id, thread, until}]. The edit
     token itself stays in its HttpOnly cookie, which only the service reads. */
  var OWN = "alden-own-comments";
  var ORDER = "alden-comment-order";
  var chromeLang = heading && heading.getAttribute("lang");
  var byline = document.querySelector(".byline a.comment-count");
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

  /* A time in the reader's own time zone, shaped as the baked "2 December 2026, 14:05 UTC". */
  var LOCAL = null;
  try {
    LOCAL = new Intl.DateTimeFormat("en-GB", { day: "numeric", month: "long", year: "numeric",
      hour: "2-digit", minute: "2-digit", hourCycle: "h23", timeZoneName: "short" });
  } catch (e) { LOCAL = null; }
  function dateLabel(iso) {
    var d = new Date(iso);
    if (isNaN(d) || !LOCAL || !LOCAL.formatToParts) return iso;
    var p = {};
    LOCAL.formatToParts(d).forEach(function (part) { p[part.type] = part.value; });
    return p.day + " " + p.month + " " + p.year + ", " + p.hour + ":" + p.minute + " " + p.timeZoneName;
  }
  function localTimes(root) {
    var times = root.querySelectorAll(".comment-date time[datetime]");
    for (var i = 0; i < times.length; i++) {
      var label = dateLabel(times[i].getAttribute("datetime"));
      if (label !== times[i].textContent) {
        times[i].title = times[i].textContent;
        times[i].textContent = label;
      }
    }
  }

  /* A new comment: a copy of the page's template, filled in with text, never with markup. */
  function render(c, depth) {
    var li = template.content.firstElementChild.cloneNode(true);
    var id = "comment-" + c.id;
    li.id = id;
    li.className = "comment depth-" + depth;
    li.setAttribute("data-id", c.id);
    li.setAttribute("data-author", c.author);
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

  function countLabel(n) { return n === 0 ? "No comments yet" : n === 1 ? "1 Comment" : n + " Comments"; }
  function setCount() {
    /* A held comment is shown to its author only: it is not counted. */
    var n = section.querySelectorAll("li.comment:not(.comment-held)").length;
    if (!section.hasAttribute("data-older-page")) heading.textContent = countLabel(n);
    if (byline) byline.textContent = heading.textContent;
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
    var li = render(c, depth);
    holder.appendChild(li);
    if (!c.held) lastId = Math.max(lastId, c.id);
    if (c.held) li.classList.add("comment-held");
    setCount();
    applyOrder();
    return li;
  }

  /* Newest or oldest first: the top-level comments change places, replies stay in order. */
  var orderBox = document.getElementById("comment-order");
  var order = "oldest";
  try { order = localStorage.getItem(ORDER) === "newest" ? "newest" : "oldest"; } catch (e) { order = "oldest"; }
  function applyOrder() {
    var top = list.querySelector(":scope > ol.comment-list");
    if (!top) return;
    var items = Array.prototype.slice.call(top.children);
    items.sort(function (a, b) {
      var d = parseInt(a.getAttribute("data-id"), 10) - parseInt(b.getAttribute("data-id"), 10);
      return order === "newest" ? -d : d;
    });
    items.forEach(function (li) { top.appendChild(li); });
  }
  function showOrder() {
    if (!orderBox) return;
    orderBox.hidden = false;
    Array.prototype.forEach.call(orderBox.querySelectorAll("button"), function (b) {
      b.setAttribute("aria-pressed", String(b.getAttribute("data-order") === order));
    });
  }
  if (orderBox) {
    orderBox.addEventListener("click", function (event) {
      var button = event.target.closest && event.target.closest("button[data-order]");
      if (!button) return;
      order = button.getAttribute("data-order");
      try { localStorage.setItem(ORDER, order); } catch (e) { /* the choice lasts this page */ }
      applyOrder();
      showOrder();
    });
    showOrder();
    applyOrder();
  }

  /* A permalinked comment (#comment-<id>) stands out, also once it arrives after loading. */
  function highlight() {
    var old = section.querySelectorAll(".comment.is-target");
    for (var i = 0; i < old.length; i++) old[i].classList.remove("is-target");
    if (!/^#comment-\d+$/.test(location.hash)) return;
    var target = document.getElementById(location.hash.slice(1));
    if (!target) return;
    target.classList.add("is-target");
    target.scrollIntoView();
  }
  window.addEventListener("hashchange", highlight);

  /* Comments published after the page was built, until the page is rebuilt. */
  function loadNewer(url) {
    return fetch(url, { headers: { Accept: "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) {
        if (!data) return null;
        data.comments.forEach(insert);
        return data.next ? loadNewer(data.next) : null;
      })
      .catch(function () {});
  }

  /* The commenter's own comments: shown in place while they may still change them. */
  function ownList() {
    var kept = [];
    try { kept = JSON.parse(localStorage.getItem(OWN) || "[]"); } catch (e) { kept = []; }
    var now = Date.now();
    return Array.isArray(kept) ? kept.filter(function (o) { return o && Date.parse(o.until) > now; }) : [];
  }
  function saveOwn(items) {
    try { localStorage.setItem(OWN, JSON.stringify(items)); } catch (e) { /* storage off */ }
  }
  function remember(c) {
    saveOwn(ownList().filter(function (o) { return o.id !== c.id; })
      .concat([{ id: c.id, thread: thread, until: c.edit_until }]));
  }
  function forget(id) { saveOwn(ownList().filter(function (o) { return o.id !== id; })); }

  function chrome(node) { if (chromeLang) node.setAttribute("lang", chromeLang); return node; }
  function button(text, className) {
    var b = chrome(make("button", className));
    b.type = "button";
    b.textContent = text;
    return b;
  }

  /* Show `c` (the service's own-comment answer) as this reader's, with Edit and Delete. */
  function showOwn(c) {
    var held = c.status !== "published";
    var li = document.getElementById("comment-" + c.id);
    if (li && held && !li.classList.contains("comment-held")) { li.remove(); li = null; }
    if (!li) li = insert({ id: c.id, parent: c.parent, author: c.author, url: c.url, body_html: c.body_html,
      created: c.created, avatar: c.avatar, staff: c.staff, held: held });
    var body = li.querySelector(":scope > .comment-body");
    li.classList.add("comment-own");
    li.classList.toggle("comment-held", held);
    li.setAttribute("data-body", c.body);
    var note = body.querySelector(".comment-held-note");
    if (held && !note) {
      note = chrome(make("p", "comment-held-note"));
      note.textContent = "Awaiting moderation: only you can see this";
      body.querySelector(".comment-meta").after(note);
    } else if (!held && note) {
      note.remove();
    }
    if (held) {
      var hidden = body.querySelectorAll(".reply, .report");
      for (var i = 0; i < hidden.length; i++) hidden[i].remove();
    }
    if (!body.querySelector(".own-actions")) {
      var actions = chrome(make("p", "own-actions"));
      var edit = button("Edit", "own-edit");
      var del = button("Delete", "own-delete");
      edit.setAttribute("aria-label", "Edit your comment");
      del.setAttribute("aria-label", "Delete your comment");
      actions.appendChild(edit);
      actions.appendChild(del);
      body.appendChild(actions);
    }
    setCount();
    return li;
  }

  function ownFetch(id, options) {
    options = options || {};
    options.credentials = "same-origin";
    options.headers = Object.assign({ Accept: "application/json" }, options.headers || {});
    return fetch(api + "/comments/" + id + (options.method ? "" : "/own"), options);
  }

  function loadOwn() {
    ownList().filter(function (o) { return o.thread === thread; }).forEach(function (o) {
      ownFetch(o.id).then(function (r) {
        if (!r.ok) { forget(o.id); return null; }
        return r.json();
      }).then(function (c) {
        if (c) { showOwn(c); highlight(); }
      }).catch(function () {});
    });
  }

  function startEdit(li) {
    var id = li.getAttribute("data-id");
    var body = li.querySelector(":scope > .comment-body");
    if (body.querySelector(".own-edit-form")) return;
    var content = body.querySelector(".comment-content");
    var box = chrome(make("form", "comment-form own-edit-form"));
    box.noValidate = true;
    var label = make("label", "");
    label.htmlFor = "edit-" + id + "-body";
    label.textContent = "Change your comment";
    var text = make("textarea", "");
    text.id = "edit-" + id + "-body";
    text.rows = 6;
    text.value = li.getAttribute("data-body") || content.textContent;
    var error = make("span", "field-error");
    error.id = "edit-" + id + "-error";
    error.hidden = true;
    text.setAttribute("aria-describedby", error.id);
    var row = make("p", "form-submit");
    var save = make("button", "");
    save.type = "submit";
    save.textContent = "Save";
    var cancelEdit = make("button", "own-cancel");
    cancelEdit.type = "button";
    cancelEdit.textContent = "Cancel";
    row.appendChild(save);
    row.appendChild(cancelEdit);
    [label, text, error, row].forEach(function (n) { box.appendChild(n); });
    content.hidden = true;
    content.after(box);
    text.focus();
    function close() { box.remove(); content.hidden = false; body.querySelector(".own-edit").focus(); }
    cancelEdit.addEventListener("click", close);
    box.addEventListener("submit", function (event) {
      event.preventDefault();
      save.disabled = true;
      ownFetch(id, { method: "PATCH", headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ body: text.value }) })
        .then(function (r) {
          return r.json().catch(function () { return {}; }).then(function (b) { return [r.status, b]; });
        }).then(function (result) {
          var answer = result[1];
          if (result[0] !== 200) {
            error.textContent = (answer.errors && answer.errors.body) || answer.error || "Your comment could not be changed.";
            error.hidden = false;
            text.setAttribute("aria-invalid", "true");
            text.focus();
            return;
          }
          content.textContent = "";
          content.appendChild(safeFragment(answer.body_html));
          close();
          showOwn(Object.assign(answer, { body: text.value.trim() }));
          say(answer.status === "published" ? "Your comment is changed." :
            "Your comment is changed. It is awaiting moderation: only you can see it.");
        }).catch(function () {
          error.textContent = "Your comment could not be sent: check your connection and try again.";
          error.hidden = false;
        }).then(function () { save.disabled = false; });
    });
  }

  function deleteOwn(li) {
    var id = parseInt(li.getAttribute("data-id"), 10);
    ownFetch(id, { method: "DELETE" }).then(function (r) {
      if (r.status !== 204 && r.status !== 404) {
        say("Your comment could not be deleted (error " + r.status + ").", true);
        return;
      }
      forget(id);
      li.remove();
      setCount();
      say("Your comment has been deleted.");
    }).catch(function () {
      say("Your comment could not be deleted: check your connection and try again.", true);
    });
  }

  section.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest(".own-edit, .own-delete");
    if (!target) return;
    var li = target.closest("li.comment");
    if (target.classList.contains("own-edit")) startEdit(li); else deleteOwn(li);
  });

  localTimes(section);
  /* Only the article's own page takes newer comments; an older comment page stays as baked. */
  var loaded = section.hasAttribute("data-older-page") ? Promise.resolve() :
    loadNewer(api + "/threads/" + encodeURIComponent(thread) + "/comments?after=" + lastId);
  loaded.then(function () { loadOwn(); highlight(); });

  if (!form) return;

  var replyTitle = document.getElementById("reply-title-text");
  function replyTo(id) {
    var target = document.getElementById("comment-" + id);
    if (!target) return;
    field("parent").value = id;
    target.querySelector(".comment-body").after(respond);
    if (replyTitle) replyTitle.textContent = "Leave a Reply to " + (target.getAttribute("data-author") || "");
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
    if (replyTitle) replyTitle.textContent = "Leave a Reply";
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

  var summary = document.getElementById("comment-error-summary");
  function labelText(el) {
    var label = el.id && form.querySelector("label[for='" + el.id + "']");
    return label ? label.textContent.replace(/\*/g, "").trim() : el.name;
  }
  function showSummary(message, errors) {
    if (!summary) return;
    summary.querySelector("strong").textContent = message;
    var items = summary.querySelector("ul");
    items.textContent = "";
    Array.prototype.forEach.call(form.elements, function (el) {
      if (!el.name || !errors[el.name] || !errorBox(el) || el.type === "hidden") return;
      var li = document.createElement("li");
      var link = document.createElement("a");
      link.href = "#" + el.id;
      link.textContent = labelText(el) + ": " + errors[el.name];
      link.addEventListener("click", function (event) { event.preventDefault(); el.focus(); });
      li.appendChild(link);
      items.appendChild(li);
    });
    summary.hidden = false;
  }

  function clearErrors() {
    if (summary) summary.hidden = true;
    Array.prototype.forEach.call(form.elements, function (el) {
      var box = errorBox(el);
      if (box) { box.hidden = true; box.textContent = ""; }
      if (el.removeAttribute) el.removeAttribute("aria-invalid");
    });
  }

  function showErrors(errors, message) {
    var first = null, other = [];
    /* In the form's order, so that focus goes to the first invalid field on the page. */
    var names = Array.prototype.map.call(form.elements, function (el) { return el.name; });
    Object.keys(errors).sort(function (a, b) {
      return (names.indexOf(a) + 1 || 1e6) - (names.indexOf(b) + 1 || 1e6);
    }).forEach(function (name) {
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
    if (first) showSummary(message || "Please correct the marked fields.", errors);
    if (other.length) say(other.join(" "), true);
    else if (notice) notice.hidden = true;
    if (first) {
      /* Focus on the first invalid field, with the summary above it in view. */
      first.focus({ preventScroll: true });
      if (summary && !summary.hidden) summary.scrollIntoView({ block: "nearest" });
      first.scrollIntoView({ block: "nearest" });
    }
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
      return r.json().catch(function () { return {}; }).then(function (body) {
        return [r.status, body, r.headers.get("Retry-After")];
      });
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
        var own = body.edit_until ? Object.assign({}, body, { body: data.body }) : null;
        if (own) remember(own);
        if (body.status === "published") {
          insert(body);
          if (own) showOwn(own);
          say("Your comment has been published.");
        } else {
          if (own) showOwn(own);
          say("Your comment is awaiting moderation.");
        }
      } else if (body.errors) {
        showErrors(body.errors, body.error);
      } else {
        var wait = parseInt(result[2], 10);
        var fallback = status === 429 && wait > 0 ?
          "Please wait " + (wait < 60 ? wait + (wait === 1 ? " second" : " seconds") :
            Math.ceil(wait / 60) + (wait <= 60 ? " minute" : " minutes")) + " before posting again." :
          "Your comment could not be posted (error " + status + "). Please try again.";
        say(body.error || body.message || fallback, true);
      }
    }).catch(function () {
      say("Your comment could not be sent: check your connection and try again.", true);
    }).then(function () { button.disabled = false; });
  });
})();
