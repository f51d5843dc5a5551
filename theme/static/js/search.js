/* The search page: ask the site's Pagefind index (pagefind.js, written by every build) and
   list the articles found. Results are built from text nodes: nothing is parsed as HTML
   except Pagefind's <mark> around the matched words. */
(function () {
  "use strict";
  var form = document.querySelector("form.search-form");
  if (!form) return;
  var input = form.querySelector("input[name=q]");
  var status = document.getElementById("search-status");
  var list = document.getElementById("search-results");
  var fallback = document.getElementById("search-fallback");
  var pageLang = document.documentElement.lang;
  var MAX_RESULTS = 20;
  var engine = null;

  function load() {
    if (!engine) {
      var site = new URL(form.getAttribute("data-site"), location.href);
      engine = import(new URL(form.getAttribute("data-bundle"), location.href).href)
        .then(function (pagefind) {
          // Records hold addresses relative to the site's root, wherever the site is served.
          return pagefind.options({ baseUrl: site.pathname, excerptLength: 24 })
            .then(function () { return pagefind; });
        });
    }
    return engine;
  }

  // Pagefind's excerpt is text with <mark> around the matches: keep those, and only those.
  function excerpt(node, text) {
    var parts = text.split(/<mark>|<\/mark>/);
    var scratch = document.createElement("textarea");
    parts.forEach(function (part, i) {
      scratch.innerHTML = part;
      var words = document.createTextNode(scratch.value);
      if (i % 2) {
        var mark = document.createElement("mark");
        mark.appendChild(words);
        node.appendChild(mark);
      } else {
        node.appendChild(words);
      }
    });
  }

  function result(data) {
    var item = document.createElement("li");
    item.className = "search-result";
    var lang = data.meta.lang && data.meta.lang !== pageLang ? data.meta.lang : null;
    var heading = document.createElement("h2");
    heading.className = "search-result-title";
    var link = document.createElement("a");
    link.href = data.url;
    link.textContent = data.meta.title || data.url;
    if (lang) link.lang = lang;
    heading.appendChild(link);
    var text = document.createElement("p");
    text.className = "search-result-excerpt";
    if (lang) text.lang = lang;
    excerpt(text, data.excerpt || "");
    item.appendChild(heading);
    item.appendChild(text);
    return item;
  }

  function show(query, found, shown) {
    list.replaceChildren.apply(list, shown.map(result));
    var count = found === 1 ? "1 article" : found + " articles";
    status.textContent = found
      ? count + " found for \u201c" + query + "\u201d" + (found > shown.length ? ", the first " + shown.length + " shown." : ".")
      : "No article found for \u201c" + query + "\u201d.";
  }

  function run(query, debounce) {
    query = query.trim();
    if (!query) {
      list.replaceChildren();
      status.textContent = "";
      return;
    }
    load()
      .then(function (pagefind) {
        return debounce ? pagefind.debouncedSearch(query, {}, 250) : pagefind.search(query);
      })
      .then(function (search) {
        if (!search) return null; // a newer query replaced this one
        var top = search.results.slice(0, MAX_RESULTS);
        return Promise.all(top.map(function (r) { return r.data(); })).then(function (shown) {
          if (input.value.trim() === query) show(query, search.results.length, shown);
        });
      })
      .catch(function () {
        status.textContent = "Search is not available just now.";
        if (fallback) fallback.hidden = false;
      });
  }

  function remember(query) {
    var url = new URL(location.href);
    if (query.trim()) url.searchParams.set("q", query.trim());
    else url.searchParams.delete("q");
    history.replaceState(null, "", url);
  }

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    remember(input.value);
    run(input.value, false);
  });
  input.addEventListener("input", function () {
    remember(input.value);
    run(input.value, true);
  });

  if (fallback) fallback.hidden = true;
  var asked = new URLSearchParams(location.search).get("q");
  if (asked) {
    input.value = asked;
    run(asked, false);
  }
})();
