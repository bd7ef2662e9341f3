// Filters of the preflight report page. The page is complete without
// this script; it only hides what the selects leave out. No request, no
// storage, no eval: the Content-Security-Policy admits this script by its
// hash and nothing else.
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
  selects.forEach(function (s) { s.addEventListener("change", apply); });
  apply();
}());
