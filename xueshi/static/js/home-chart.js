/* Home page of an organisation: the last month's submissions per day, drawn with the local
   ECharts from the JSON the page embeds (json_script, named by data-home-chart). The table
   under the chart carries the same figures as text. */
(function () {
  "use strict";

  function init() {
    var element = document.querySelector("[data-home-chart]");
    if (!element || typeof window.echarts === "undefined") { return; }
    var source = document.getElementById(element.getAttribute("data-home-chart"));
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    var chart = window.echarts.init(element, null, { renderer: "svg" });
    chart.setOption({
      color: ["#2563eb"],
      aria: { enabled: true, label: { description: element.getAttribute("aria-label") }, decal: { show: false } },
      textStyle: { fontFamily: "system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif" },
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      grid: { left: 8, right: 16, top: 16, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: data.labels, axisLabel: { hideOverlap: true } },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: "提交数", type: "bar", data: data.submitted, barMaxWidth: 18 }]
    });
    window.addEventListener("resize", function () { chart.resize(); });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
