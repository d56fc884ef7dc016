// bulkhead dashboard: keyboard shortcuts and small conveniences. The pages
// work without it.
(function () {
  "use strict";
  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }
  // Rows of the list or table the focus is in, as links/summaries to move between.
  function targets() {
    return Array.prototype.slice.call(document.querySelectorAll("[data-nav] a, .timeline details > summary"));
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    var t = e.target;
    if (e.key === "Escape" && typing(t)) { t.blur(); return; }
    if (typing(t)) return;
    if (e.key === "/") {
      var q = document.getElementById("q");
      if (q) { e.preventDefault(); q.focus(); q.select(); }
    } else if (e.key === "j" || e.key === "k") {
      var list = targets();
      if (!list.length) return;
      var i = list.indexOf(document.activeElement);
      i = e.key === "j" ? Math.min(list.length - 1, i + 1) : Math.max(0, i - 1);
      list[i].focus();
      e.preventDefault();
    } else if (e.key === "g") {
      window.location.href = "/";
    } else if (e.key === "a") {
      window.location.href = "/alerts";
    }
  });
  // Filter selects apply at once.
  Array.prototype.forEach.call(document.querySelectorAll("select[data-autosubmit]"), function (s) {
    s.addEventListener("change", function () { if (s.form) s.form.submit(); });
  });
  // Open the alert named by the URL's fragment.
  if (location.hash) {
    var d = document.getElementById(location.hash.slice(1));
    if (d && d.tagName === "DETAILS") d.open = true;
  }
})();
