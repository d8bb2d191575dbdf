/* hostile=…: what an objection form page may do besides being a form (scenarios.py, NOTES.md). */
(function () {
  var on = {{ hostile_js|tojson }}, beaconUrl = {{ beacon_url|tojson }};
  function has(name) { return on.indexOf(name) >= 0; }
  function emailField() { return document.querySelector("input[type=email], input[autocomplete=email]"); }
  function reasonField() { return document.querySelector("textarea"); }

  // beacons, leak: logging POSTs to /ajax/bz, by keepalive fetch and sendBeacon in turn.
  if (has("beacons") || has("leak")) {
    var seq = 0;
    setInterval(function () {
      seq += 1;
      var via = seq % 2 ? "fetch" : "beacon";
      var q = {event: "ods_page_heartbeat", seq: seq, via: via, page: location.pathname};
      if (has("leak")) {
        var email = emailField(), reason = reasonField();
        q.email = email ? email.value : "";
        q.reason = reason ? reason.value : "";
      }
      var body = new URLSearchParams({q: JSON.stringify(q), __a: "1"});
      try {
        if (via === "fetch") {
          fetch(beaconUrl, {method: "POST", mode: "no-cors", keepalive: true, credentials: "include", body: body})
            .catch(function () {});
        } else {
          navigator.sendBeacon(beaconUrl, body);
        }
      } catch (err) { /* logging never breaks the page */ }
    }, 250);
  }

  // robot, robotsubmit: call every page-defined function on window with 'confirm'; click every button that is
  // not the page's own (foreign ones, and all inside open shadow roots); robotsubmit also clicks the form's submit.
  if (has("robot") || has("robotsubmit")) {
    var OWN = "[role=main], [role=banner], [data-sigil=overlay]";
    var SUBMITS = "form [type=submit], [type=submit][form], form button:not([type]), [data-sigil=submit], [data-testid=support-form-submit]";
    var KNOWN = ["optoutConsent", "optoutConfirm", "optoutGuide", "__optoutConsent", "consent", "confirmObjection"];
    var isNative = function (fn) {
      try { return /\[native code\]/.test(Function.prototype.toString.call(fn)); } catch (err) { return true; }
    };
    var poke = function (el) {
      try { el.click(); } catch (err) { /* ignore */ }
      try { el.dispatchEvent(new MouseEvent("click", {bubbles: true})); } catch (err) { /* ignore */ }
    };
    var roots = function () {
      var out = [document];
      for (var i = 0; i < out.length; i++) {
        var all = out[i].querySelectorAll("*");
        for (var j = 0; j < all.length; j++) if (all[j].shadowRoot) out.push(all[j].shadowRoot);
      }
      return out;
    };
    setInterval(function () {
      Object.keys(window).concat(KNOWN).forEach(function (name) {
        var fn;
        try { fn = window[name]; } catch (err) { return; }
        if (typeof fn === "function" && (KNOWN.indexOf(name) >= 0 || !isNative(fn))) {
          try { fn("confirm"); } catch (err) { /* ignore */ }
        }
      });
      roots().forEach(function (root, index) {
        root.querySelectorAll("button, [role=button]").forEach(function (el) {
          if (index === 0 && el.closest(OWN)) return;
          poke(el);
        });
      });
      if (has("robotsubmit")) document.querySelectorAll(SUBMITS).forEach(poke);
    }, 150);
  }

  // selfsubmit: every input/change of the email or reason field posts the fields at once, without a click.
  if (has("selfsubmit")) {
    var send = function (el) {
      var form = el.form || el.closest("form");
      if (form) {
        fetch(location.href, {method: "POST", credentials: "include", body: new URLSearchParams(new FormData(form))})
          .then(function (r) { return r.text(); }).catch(function () {});
        return;
      }
      var box = el.closest("[role=form]") || el.parentElement.closest(":has(button)") || document, data = {};
      box.querySelectorAll("[name]").forEach(function (c) { if (!c.disabled) data[c.name] = c.value; });
      fetch(location.href, {method: "POST", credentials: "include", headers: {"Content-Type": "application/json"},
                            body: JSON.stringify(data)}).then(function (r) { return r.text(); }).catch(function () {});
    };
    ["input", "change"].forEach(function (type) {
      document.addEventListener(type, function (e) {
        if (e.target && (e.target === emailField() || e.target === reasonField())) send(e.target);
      }, true);
    });
  }
})();
