// The dashboard's only script. Pages work without it; it adds two things:
// live updates (the plan's entry stream: a quiet notice of who changed what, and pages
// without forms redrawn in place), a progress bar for evidence uploads, and a running
// verification's count followed without reloading the page.
(function () {
  "use strict";
  var body = document.body;

  function describe(line) {
    try {
      var e = JSON.parse(line), ev = e.event || {};
      var what = (ev.type || "an entry").replace(/_/g, " ");
      var parts = [e.actor + ": " + what];
      if (ev.action) parts.push(ev.action);
      if (ev.review) parts.push(ev.review);
      if (ev.status) parts.push("\u2192 " + ev.status);
      return parts.join(" ") + " (entry " + e.seq + ")";
    } catch (err) {
      return "the ledger changed";
    }
  }

  function redraw() {
    fetch(location.href, { credentials: "same-origin" }).then(function (r) {
      return r.ok ? r.text() : null;
    }).then(function (html) {
      if (!html) return;
      var next = new DOMParser().parseFromString(html, "text/html");
      var main = next.getElementById("main");
      if (main) document.getElementById("main").innerHTML = main.innerHTML;
    });
  }

  var url = body.getAttribute("data-live");
  if (url && window.EventSource) {
    var after = body.getAttribute("data-head") || "0";
    var source = new EventSource(url + "?after=" + encodeURIComponent(after));
    // Browsers allow few connections per server: a page left lets its stream go.
    window.addEventListener("pagehide", function () { source.close(); });
    var pending = null;
    source.onmessage = function (m) {
      var notice = document.getElementById("live-notice");
      notice.textContent = "Just now, " + describe(m.data) +
        (body.getAttribute("data-refresh") ? "; this page is up to date." : "; reload to see it.");
      if (body.getAttribute("data-refresh")) {
        clearTimeout(pending);
        pending = setTimeout(redraw, 100);
      }
    };
  }

  var upload = document.querySelector("form[data-upload]");
  if (upload && window.FormData && window.XMLHttpRequest) {
    upload.addEventListener("submit", function (event) {
      event.preventDefault();
      var bar = document.getElementById("upload-progress");
      var xhr = new XMLHttpRequest();
      xhr.open("POST", upload.getAttribute("action"));
      bar.hidden = false;
      xhr.upload.onprogress = function (p) {
        if (p.lengthComputable) bar.value = Math.round(100 * p.loaded / p.total);
      };
      xhr.onload = function () {
        if (xhr.status < 400 && xhr.responseURL) {
          location.assign(xhr.responseURL);
        } else {
          document.open();
          document.write(xhr.responseText);
          document.close();
        }
      };
      xhr.onerror = function () { upload.submit(); };
      xhr.send(new FormData(upload));
    });
  }

  var verifying = document.getElementById("verify-progress");
  // A verification that ended before its page was served shows its verdict at once: the
  // address loses its `run`, so that a reload shows this verdict rather than starting another.
  var rerun = document.querySelector('form input[name="run"]');
  if (!verifying && rerun && /[?&]run=/.test(location.search) && window.history && history.replaceState) {
    history.replaceState(null, "", rerun.form.getAttribute("action"));
  }
  if (verifying && window.fetch) {
    var poll = function () {
      fetch(verifying.getAttribute("data-poll"), { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.json() : null;
      }).then(function (p) {
        if (!p || !p.running) {
          location.replace(verifying.getAttribute("data-page"));
          return;
        }
        verifying.querySelector(".count").textContent = p.checked + " of " + p.total + " entries checked";
        var bar = document.getElementById("verify-bar");
        bar.max = Math.max(p.total, 1);
        bar.value = p.checked;
        setTimeout(poll, 300);
      }, function () { setTimeout(poll, 1000); });
    };
    setTimeout(poll, 300);
  }
})();
