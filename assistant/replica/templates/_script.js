(function () {
  function post(fields) {
    return fetch(location.href, {
      method: "POST", credentials: "include",
      headers: {"Content-Type": "application/x-www-form-urlencoded"},
      body: new URLSearchParams(fields)
    }).then(function (r) { if (!r.ok) throw new Error(r.status); return r.json(); });
  }
  function act(el) {
    var sigil = el.getAttribute("data-sigil");
    if (sigil === "cookie-choice") {
      post({cookie_consent: "1", choice: el.getAttribute("data-choice")}).then(function () {
        el.closest("[data-sigil=overlay]").remove();
      });
    } else if (sigil === "submit") {
      var form = el.closest("form");
      if (form.requestSubmit) form.requestSubmit(); else form.submit();
    } else if (sigil === "menu") {
      var menu = el.nextElementSibling, open = menu.hidden;
      menu.hidden = !open;
      el.setAttribute("aria-expanded", open ? "true" : "false");
    } else if (sigil === "switch") {
      var on = el.getAttribute("aria-checked") !== "true";
      post({private_account: on ? "1" : "0"}).then(function (data) {
        el.setAttribute("aria-checked", data.private ? "true" : "false");
        el.style.background = data.private ? "#0095f6" : "#dbdbdb";
        el.firstElementChild.style.left = data.private ? "22px" : "2px";
      });
    } else if (sigil === "disclose") {
      var body = document.getElementById(el.getAttribute("aria-controls")), show = body.hidden;
      body.hidden = !show;
      el.setAttribute("aria-expanded", show ? "true" : "false");
    } else if (sigil === "open-dialog") {
      el.parentElement.querySelector("[role=dialog]").parentElement.hidden = false;
    } else if (sigil === "close-dialog") {
      el.closest("[data-sigil=overlay]").hidden = true;
    }
  }
  document.addEventListener("click", function (e) {
    var el = e.target.closest("[data-sigil]");
    if (el && el.getAttribute("data-sigil") !== "overlay") act(el);
  });
  document.addEventListener("keydown", function (e) {
    var el = e.target;
    if ((e.key === "Enter" || e.key === " ") && el.matches && el.matches("[role=button][data-sigil],[role=switch][data-sigil]")) {
      e.preventDefault();
      act(el);
    }
  });
  document.querySelectorAll("template[data-late]").forEach(function (tpl) {
    setTimeout(function () {
      var glimmer = tpl.previousElementSibling;
      if (glimmer && glimmer.hasAttribute("data-late-glimmer")) glimmer.remove();
      tpl.replaceWith(tpl.content.cloneNode(true));
    }, +tpl.getAttribute("data-late"));
  });
})();
