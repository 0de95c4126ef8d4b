// tallybot status page: keep one election's page current without a reload.
// The server pushes a `tally` event at every published change; the page then fetches
// itself again and swaps its <main>, so the figures come from the same template as the
// first view. Without JavaScript the page is complete as served.
(function () {
  "use strict";
  var live = document.getElementById("live");
  if (!live || !window.EventSource || !window.fetch || !window.DOMParser) {
    return;
  }
  var base = live.getAttribute("data-events");
  var source = null;
  var busy = false;
  var again = false;

  function version() {
    var main = document.getElementById("main");
    return main ? main.getAttribute("data-version") || "" : "";
  }

  function refresh() {
    if (busy) { again = true; return; }
    busy = true;
    fetch(window.location.href, { headers: { "Accept": "text/html" }, cache: "no-store" })
      .then(function (response) {
        if (!response.ok) { throw new Error("page answered " + response.status); }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("main");
        var current = document.getElementById("main");
        if (fresh && current) {
          current.replaceWith(document.importNode(fresh, true));
          var state = document.querySelector("[data-announce]");
          live.textContent = state ? state.textContent : "";
        }
      })
      .catch(function () { /* the next event or reconnection tries again */ })
      .then(function () {
        busy = false;
        if (again) { again = false; refresh(); }
      });
  }

  function connect() {
    var url = base + (base.indexOf("?") < 0 ? "?" : "&") + "since=" + encodeURIComponent(version());
    source = new EventSource(url);
    source.addEventListener("tally", refresh);
    source.addEventListener("error", function () {
      // Refused (503) or closed for good: try again later, from the state shown.
      if (source.readyState === EventSource.CLOSED) {
        source = null;
        window.setTimeout(connect, 20000 + Math.random() * 20000);
      }
    });
  }

  connect();
}());
