/* 学时申报平台 — small progressive enhancements; every page works without them. */
(function () {
  "use strict";

  // <form data-confirm="确定要提交吗？"> or <button data-confirm="…">: ask before sending.
  document.addEventListener("submit", function (event) {
    var form = event.target;
    var submitter = event.submitter;
    var question = (submitter && submitter.getAttribute("data-confirm")) || form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) {
      event.preventDefault();
      return;
    }
    // Slow networks: stop a second click from sending the form twice.
    if (!form.hasAttribute("data-allow-resubmit") && !form.hasAttribute("hx-post")) {
      window.setTimeout(function () {
        form.querySelectorAll('button[type="submit"], input[type="submit"]').forEach(function (button) {
          button.disabled = true;
        });
      }, 0);
    }
  });

  // Forms left on the page after "back" must be usable again.
  window.addEventListener("pageshow", function (event) {
    if (event.persisted) {
      document.querySelectorAll("button[type=submit][disabled], input[type=submit][disabled]").forEach(function (button) {
        button.disabled = false;
      });
    }
  });

  // A row of status tabs wider than a phone scrolls: keep the chosen tab in view.
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll(".xs-tabs").forEach(function (tabs) {
      var active = tabs.querySelector(".nav-link.active");
      if (active && tabs.scrollWidth > tabs.clientWidth) {
        var offset = active.getBoundingClientRect().left - tabs.getBoundingClientRect().left;
        tabs.scrollLeft += offset - (tabs.clientWidth - active.offsetWidth) / 2;
      }
    });
  });

  // A part loaded after the page (<div hx-get hx-trigger="load" data-load-error="…">): if its
  // request fails (HTMX swaps nothing on an error), say so instead of spinning for ever; if the
  // session has ended meanwhile (the answer is the login page), reload the whole page.
  function loadFailed(event) {
    var target = event.detail.target || event.detail.elt;
    if (target && target.hasAttribute("data-load-error")) {
      var message = document.createElement("p");
      message.className = "text-center text-danger py-3 mb-0";
      message.setAttribute("role", "alert");
      message.textContent = target.getAttribute("data-load-error");
      target.replaceChildren(message);
    }
  }
  document.addEventListener("htmx:responseError", loadFailed);
  document.addEventListener("htmx:sendError", loadFailed);
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    var answered = event.detail.xhr && event.detail.xhr.responseURL;
    if (target && target.hasAttribute("data-load-error") && answered && answered.indexOf("/login") !== -1) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });

  // After HTMX swaps in content with an error, move focus to it for screen-reader users.
  document.addEventListener("htmx:afterSwap", function (event) {
    var alert = event.detail.target.querySelector(".alert-danger, .is-invalid");
    if (alert) {
      if (!alert.hasAttribute("tabindex")) alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  });
})();

/* Behaviour that used to sit in inline <script> blocks and on*= handlers: the
 * Content-Security-Policy (docs/security.md) runs no inline script, so it lives here,
 * driven by data-* attributes. */
(function () {
  "use strict";

  // 全选: <input type="checkbox" id="select-all"> or [data-select-all] ticks every row box of
  // the batch form on this page.
  document.addEventListener("change", function (event) {
    var box = event.target;
    if (!(box instanceof Element)) return;
    if (box.id !== "select-all" && !box.matches("[data-select-all]")) return;
    document.querySelectorAll('input[name="ids"][form="batch-form"]').forEach(function (row) {
      row.checked = box.checked;
    });
  });

  // "+": show or hide the review trail row under a claim; HTMX loads it on the first click.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-trail-toggle]");
    if (!button) return;
    var row = document.getElementById(button.getAttribute("aria-controls"));
    if (!row) return;
    var open = button.getAttribute("aria-expanded") !== "true";
    button.setAttribute("aria-expanded", open ? "true" : "false");
    row.hidden = !open;
    var icon = button.querySelector(".bi");
    if (icon) {
      icon.classList.toggle("bi-plus-square", !open);
      icon.classList.toggle("bi-dash-square", open);
    }
    var label = button.querySelector(".visually-hidden");
    if (label) label.textContent = open ? "收起审核进度" : "展开审核进度";
  });

  // 更换单位: a [data-choose-unit] button in the search results fills the form's hidden input
  // (named by the form's data-unit-input) and shows the chosen name.
  document.addEventListener("click", function (event) {
    var button = event.target instanceof Element && event.target.closest("[data-choose-unit]");
    if (!button) return;
    var form = document.querySelector("form[data-unit-input]");
    if (!form) return;
    var input = document.getElementById(form.getAttribute("data-unit-input"));
    if (input) input.value = button.dataset.chooseUnit;
    var name = document.getElementById("chosen-unit-name");
    if (name) name.textContent = button.dataset.unitName;
  });

  // 验证码: a click on the image or on "看不清？换一张" fetches a new challenge.
  document.addEventListener("click", function (event) {
    var trigger = event.target instanceof Element &&
      event.target.closest("[data-captcha-refresh], [data-captcha-image]");
    if (!trigger) return;
    event.preventDefault();
    var box = trigger.closest("[data-captcha]");
    var url = box.querySelector("[data-captcha-refresh]").href;
    fetch(url, {headers: {"X-Requested-With": "XMLHttpRequest"}, credentials: "same-origin"})
      .then(function (response) { return response.json(); })
      .then(function (data) {
        box.querySelector("img").src = data.image_url;
        box.querySelector("input[type=hidden]").value = data.key;
        var answer = box.querySelector("input[type=text]");
        answer.value = "";
        answer.focus();
      });
  });

  // The claim form ([data-hours-form]) recalculates the hours when a field changes: at once
  // on "change", after a pause while typing. Fields that reload the field set
  // ([data-refresh-fields]) have their own request. (HTMX's event filters would need eval.)
  var lastValues = new WeakMap();
  function recalc(event, name) {
    var field = event.target;
    if (!(field instanceof Element) || field.hasAttribute("data-refresh-fields")) return;
    var form = field.closest("form[data-hours-form]");
    if (!form) return;
    if (name === "xs-recalc") {
      if (lastValues.get(field) === field.value) return;
    }
    lastValues.set(field, field.value);
    form.dispatchEvent(new CustomEvent(name));
  }
  document.addEventListener("change", function (event) { recalc(event, "xs-recalc-now"); });
  document.addEventListener("keyup", function (event) { recalc(event, "xs-recalc"); });
  document.addEventListener("focusin", function (event) {
    if (event.target instanceof HTMLInputElement || event.target instanceof HTMLTextAreaElement) {
      if (!lastValues.has(event.target)) lastValues.set(event.target, event.target.value);
    }
  });
})();

/* 返回上一页 on the error pages: back in the history when there is one, else the link's href. */
document.addEventListener("click", function (event) {
  var link = event.target instanceof Element && event.target.closest("[data-history-back]");
  if (!link || window.history.length < 2) return;
  event.preventDefault();
  window.history.back();
});
