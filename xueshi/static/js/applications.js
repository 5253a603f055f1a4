/* 学时认定申请书: the series → discipline → grade cascade, and the "17/200" counters.
   Every page works without it: the server checks each choice and each length. */
(function () {
  "use strict";

  function filter(select, prefix) {
    var keep = false;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) return;
      var shown = !prefix || option.value.indexOf(prefix + "/") === 0;
      option.hidden = !shown;
      option.disabled = !shown;
      if (shown && option.selected) keep = true;
    });
    if (!keep) select.value = "";
  }

  document.querySelectorAll("[data-cascade-root]").forEach(function (root) {
    var series = root.querySelector('[data-cascade="series"]');
    var discipline = root.querySelector('[data-cascade="discipline"]');
    var grade = root.querySelector('[data-cascade="grade"]');
    if (!series || !discipline || !grade) return;
    function update() {
      filter(discipline, series.value);
      filter(grade, discipline.value);
    }
    series.addEventListener("change", update);
    discipline.addEventListener("change", update);
    update();
  });

  document.querySelectorAll("[data-count]").forEach(function (input) {
    var limit = input.getAttribute("data-count");
    var counter = document.createElement("div");
    counter.className = "form-text text-end";
    counter.setAttribute("aria-live", "polite");
    input.insertAdjacentElement("afterend", counter);
    function update() { counter.textContent = input.value.length + "/" + limit; }
    input.addEventListener("input", update);
    update();
  });
})();
