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

  // After HTMX swaps in content with an error, move focus to it for screen-reader users.
  document.addEventListener("htmx:afterSwap", function (event) {
    var alert = event.detail.target.querySelector(".alert-danger, .is-invalid");
    if (alert) {
      if (!alert.hasAttribute("tabindex")) alert.setAttribute("tabindex", "-1");
      alert.focus();
    }
  });
})();
