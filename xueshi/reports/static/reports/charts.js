/* 学时申报统计: draws the charts from the JSON the page embeds (json_script).
   The tables below each chart carry the same figures as text. */
(function () {
  "use strict";

  function init() {
    var source = document.getElementById("statistics-chart-data");
    if (!source || typeof window.echarts === "undefined") { return; }
    var data = JSON.parse(source.textContent);
    var charts = [];
    var palette = ["#2563eb", "#16a34a", "#f59e0b", "#dc2626", "#7c3aed", "#0891b2", "#db2777", "#65a30d", "#ea580c", "#475569"];

    function make(name, option) {
      var element = document.querySelector('[data-chart="' + name + '"]');
      if (!element) { return; }
      var chart = window.echarts.init(element, null, { renderer: "svg" });
      option.color = palette;
      option.aria = { enabled: true, label: { description: element.getAttribute("aria-label") }, decal: { show: false } };
      option.textStyle = { fontFamily: "system-ui, -apple-system, 'PingFang SC', 'Microsoft YaHei', 'Noto Sans CJK SC', sans-serif" };
      chart.setOption(option);
      charts.push(chart);
    }

    function empty(text) {
      return { title: { text: text, left: "center", top: "middle", textStyle: { color: "#6c757d", fontSize: 14, fontWeight: "normal" } } };
    }

    function shortLabel(value) {
      return value.length > 10 ? value.slice(0, 10) + "…" : value;
    }

    var units = data.units;
    make("units", units.labels.length ? {
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 36, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: units.labels, axisLabel: { interval: 0, rotate: units.labels.length > 4 ? 30 : 0, formatter: shortLabel } },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        { name: "申报数", type: "bar", data: units.counts, barMaxWidth: 36 },
        { name: "通过认定", type: "bar", data: units.approved, barMaxWidth: 36 }
      ]
    } : empty("暂无数据"));

    make("categories", data.categories.length ? {
      tooltip: { trigger: "item", formatter: "{b}<br>{c} 条（{d}%）" },
      series: [{
        name: "申报类型", type: "pie", radius: ["35%", "65%"], center: ["50%", "50%"],
        data: data.categories,
        label: { formatter: function (p) { return shortLabel(p.name) + "\n" + p.percent + "%"; }, fontSize: 11 },
        labelLine: { length: 6, length2: 6 }
      }]
    } : empty("暂无数据"));

    var months = data.months;
    make("months", months.labels.length ? {
      tooltip: { trigger: "axis" },
      grid: { left: 8, right: 16, top: 24, bottom: 8, containLabel: true },
      xAxis: { type: "category", data: months.labels, boundaryGap: false },
      yAxis: { type: "value", minInterval: 1 },
      series: [{ name: "提交数", type: "line", data: months.counts, areaStyle: { opacity: 0.15 }, symbolSize: 6 }]
    } : empty("暂无数据"));

    window.addEventListener("resize", function () {
      charts.forEach(function (chart) { chart.resize(); });
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
