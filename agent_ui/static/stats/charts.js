/* Statistics charts and the custom-query builder. Data comes from data-* attributes
   rendered by the server; no inline scripts, the charting library is vendored (ECharts). */
(function () {
  "use strict";
  var zh = (document.documentElement.lang || "zh").indexOf("zh") === 0;
  var WEEK = zh ? ["周一", "周二", "周三", "周四", "周五", "周六", "周日"] : ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
  var HOURS = Array.from({length: 24}, function (_, h) { return h + ":00"; });

  var builders = {
    trend: function (d) {
      // Satisfaction (4–5 of those rated) on its own 0–100 % axis; a bucket nobody rated is a gap.
      return {xAxis: {type: "category", data: d.map(function (r) { return r.period; })},
        yAxis: [{type: "value"}, {type: "value", min: 0, max: 100, axisLabel: {formatter: "{value}%"}}],
        legend: {}, tooltip: {trigger: "axis"},
        series: [{name: zh ? "受理" : "Received", type: "line", data: d.map(function (r) { return r.received; })},
                 {name: zh ? "办结" : "Resolved", type: "line", data: d.map(function (r) { return r.resolved; })},
                 {name: zh ? "满意率" : "Satisfaction", type: "line", yAxisIndex: 1, connectNulls: false,
                  data: d.map(function (r) {
                    return r.satisfaction_rate === null ? null : Math.round(r.satisfaction_rate * 1000) / 10; })}]};
    },
    bars: function (d) {
      return {xAxis: {type: "category", data: d.map(function (r) { return r.name; }), axisLabel: {rotate: 30}},
        yAxis: {type: "value"}, tooltip: {}, series: [{type: "bar", data: d.map(function (r) { return r.received; })}]};
    },
    pie: function (d) {
      return {tooltip: {}, series: [{type: "pie", radius: "65%",
        data: d.map(function (r) { return {name: r.value, value: r.received}; })}]};
    },
    hours: function (d) {
      return {xAxis: {type: "category", data: HOURS}, yAxis: {type: "value"}, tooltip: {trigger: "axis"}, legend: {},
        series: [{name: zh ? "呼入" : "Offered", type: "bar", data: d.map(function (r) { return r.offered; })},
                 {name: zh ? "接通" : "Answered", type: "bar", data: d.map(function (r) { return r.answered; })}]};
    },
    heatmap: function (d) {
      var cells = [], max = 0;
      d.forEach(function (row, w) { row.forEach(function (v, h) { cells.push([h, w, v]); max = Math.max(max, v); }); });
      return {tooltip: {}, xAxis: {type: "category", data: HOURS}, yAxis: {type: "category", data: WEEK},
        visualMap: {min: 0, max: max || 1, calculable: true, orient: "horizontal", left: "center", bottom: 0},
        grid: {bottom: 70}, series: [{type: "heatmap", data: cells}]};
    }
  };

  document.querySelectorAll(".chart[data-kind]").forEach(function (el) {
    if (typeof echarts === "undefined") { return; }
    var option = builders[el.dataset.kind](JSON.parse(el.dataset.series || "[]"));
    option.title = {text: el.dataset.title || "", textStyle: {fontSize: 14}};
    echarts.init(el).setOption(option);
  });

  var form = document.getElementById("query-builder");
  if (!form) { return; }
  var fields = JSON.parse(form.dataset.fields), ops = ["eq", "ne", "in", "gt", "ge", "lt", "le", "between", "contains", "is_null", "not_null"];
  var box = document.getElementById("filters");
  function select(options, value) {
    var s = document.createElement("select");
    options.forEach(function (o) { var opt = new Option(o[1], o[0]); opt.selected = o[0] === value; s.add(opt); });
    return s;
  }
  function addFilter(f) {
    f = f || {};
    var row = document.createElement("div"); row.className = "filter-row";
    row.appendChild(select(Object.keys(fields).map(function (k) { return [k, zh ? fields[k][1] : fields[k][2]]; }), f.field));
    row.appendChild(select(ops.map(function (o) { return [o, o]; }), f.op));
    var input = document.createElement("input");
    input.value = Array.isArray(f.value) ? f.value.join(",") : (f.value === undefined ? "" : f.value);
    row.appendChild(input);
    box.appendChild(row);
  }
  var current = JSON.parse(document.getElementById("spec").value || "{}");
  (current.filters || []).forEach(addFilter);
  document.getElementById("add-filter").addEventListener("click", function () { addFilter(); });
  document.getElementById("subject").addEventListener("change", function () { document.getElementById("spec").value = ""; form.submit(); });
  form.addEventListener("submit", function () {
    var spec = {filters: [], group_by: [], measures: []};
    box.querySelectorAll(".filter-row").forEach(function (row) {
      var parts = row.querySelectorAll("select, input"), op = parts[1].value, raw = parts[2].value.trim();
      var value = (op === "in" || op === "between") ? raw.split(",").map(function (v) { return v.trim(); }) : raw;
      spec.filters.push({field: parts[0].value, op: op, value: value});
    });
    Array.from(document.getElementById("group-by").selectedOptions).forEach(function (o) { spec.group_by.push(o.value); });
    Array.from(document.getElementById("measures").selectedOptions).forEach(function (o) {
      var p = o.value.split(":"); spec.measures.push(p.length > 1 ? {fn: p[0], field: p[1]} : {fn: "count"});
    });
    document.getElementById("spec").value = JSON.stringify(spec);
  });
})();
