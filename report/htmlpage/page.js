// Filters of the preflight report page, and its paths drawn as they near
// the viewport. The page is complete without this script (each path is
// then drawn by its noscript); the script hides what the selects leave
// out. No request, no storage, no eval: the Content-Security-Policy
// admits this script by its hash and nothing else.
(function () {
  "use strict";
  var selects = Array.prototype.slice.call(document.querySelectorAll("select[data-filter]"));
  var sections = Array.prototype.slice.call(document.querySelectorAll("section[data-workload]"));
  var shown = document.getElementById("shown");
  function has(list, value) {
    return (" " + (list || "") + " ").indexOf(" " + value + " ") >= 0;
  }
  function apply() {
    var want = {};
    selects.forEach(function (s) { want[s.getAttribute("data-filter")] = s.value; });
    var rowsShown = 0;
    sections.forEach(function (sec) {
      var inScope = (!want.cluster || sec.getAttribute("data-cluster") === want.cluster) &&
        (!want.service || sec.getAttribute("data-service") === want.service);
      var visible = 0;
      sec.querySelectorAll("[data-row]").forEach(function (el) {
        var ok = inScope &&
          (!want.status || has(el.getAttribute("data-statuses"), want.status)) &&
          (!want.check || has(el.getAttribute("data-checks"), want.check));
        el.hidden = !ok;
        if (ok) {
          visible++;
          if (el.tagName === "TR") { rowsShown++; }
        }
      });
      sec.hidden = visible === 0;
    });
    shown.textContent = rowsShown + (rowsShown === 1 ? " row shown" : " rows shown");
  }
  // A path is drawn when its section nears the viewport, from the markup
  // its noscript holds as text: a sweep of 200 services has hundreds of
  // paths, and building all their SVG nodes at load was most of the
  // page's load time. The text is the page's own markup, every value in
  // it escaped when the page was written: parsing it builds the nodes the
  // parser builds without script.
  function draw(sec) {
    sec.querySelectorAll("noscript.path").forEach(function (ns) {
      var t = document.createElement("template");
      t.innerHTML = ns.textContent;
      ns.replaceWith(t.content);
    });
  }
  if ("IntersectionObserver" in window) {
    var near = new IntersectionObserver(function (entries) {
      entries.forEach(function (en) {
        if (en.isIntersecting) {
          near.unobserve(en.target);
          draw(en.target);
        }
      });
    }, { rootMargin: "1000px 0px" });
    sections.forEach(function (sec) {
      if (sec.querySelector("noscript.path")) { near.observe(sec); }
    });
  } else {
    sections.forEach(draw);
  }
  selects.forEach(function (s) { s.addEventListener("change", apply); });
  apply();
}());
