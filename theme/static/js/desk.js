/* The desk without reloads: an action form is sent with fetch; the comments it changed leave the
   list (or are shown anew when they stay in it) and the counts follow. Without this script the same form posts and the page reloads. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-desk-actions]");
  if (!form || !window.fetch || !window.FormData) { return; }
  var live = document.createElement("p");
  live.className = "desk-notice";
  live.setAttribute("role", "status");
  live.hidden = true;
  form.parentNode.insertBefore(live, form);

  function say(text, error) {
    live.textContent = text;
    live.className = "desk-notice" + (error ? " desk-notice-error" : "");
    live.hidden = false;
  }

  function updateCounts(counts) {
    Object.keys(counts).forEach(function (name) {
      var link = document.querySelector('.desk-nav a[href$="/desk/' + name + '"] .count');
      if (link) { link.textContent = counts[name]; }
      if (link && link.parentNode.getAttribute("aria-current")) {
        var total = document.getElementById("queue-total");
        if (total) { total.textContent = counts[name]; }
      }
    });
  }

  form.addEventListener("submit", function (event) {
    var button = event.submitter;
    if (!button) { return; }
    event.preventDefault();
    var data = new FormData(form);
    data.append(button.name, button.value);
    if (button.name === "one") { data.delete("id"); }
    button.disabled = true;
    // getAttribute: the buttons named "action" hide the form's own action property.
    fetch(form.getAttribute("action"), {
      method: "POST", body: data, credentials: "same-origin",
      headers: { "Accept": "application/json" }
    }).then(function (answer) {
      return answer.json().then(function (body) { return { ok: answer.ok, body: body }; });
    }).then(function (result) {
      button.disabled = false;
      if (!result.ok) { say(result.body.error || "That did not work.", true); return; }
      result.body.done.forEach(function (id) {
        var item = document.getElementById("c" + id);
        if (item) { item.remove(); }
      });
      // Comments that stay in this queue (featured, say) come back as the desk renders them.
      Object.keys(result.body.items || {}).forEach(function (id) {
        var item = document.getElementById("c" + id);
        if (!item) { return; }
        var holder = document.createElement("template");
        holder.innerHTML = result.body.items[id];
        item.replaceWith(holder.content.firstElementChild);
      });
      updateCounts(result.body.counts);
      say(result.body.message, false);
      if (!form.querySelector(".desk-comment")) {
        var empty = document.createElement("p");
        empty.className = "desk-empty";
        empty.textContent = "Nothing here.";
        form.replaceWith(empty);
      }
    }).catch(function () {
      // No answer we can read: send the form the plain way, with the button that was pressed.
      var chosen = document.createElement("input");
      chosen.type = "hidden";
      chosen.name = button.name;
      chosen.value = button.value;
      form.appendChild(chosen);
      form.submit();
    });
  });
}());
