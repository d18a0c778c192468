// The browser half of the report's other charts: latency quantiles over time, each node's clock
// offset (when clock faults ran) and availability per fault window. Runs after chart-script.ts,
// which registers the fault band plugin and shares its helpers as window.faultlineCharts.
// Plain ES2017 in a string, run in the page; it must not contain "</script".

/** Inline script source; expects `#report-data` and the canvases named below, each optional. */
export const extraChartsScript = String.raw`
(function () {
  'use strict';
  var shared = window.faultlineCharts;
  if (typeof Chart === 'undefined' || !shared) return;
  var charts = JSON.parse(document.getElementById('report-data').textContent).charts;
  var base = { animation: false, parsing: false, normalized: true, maintainAspectRatio: false };
  function options(extra) { return Object.assign({}, base, extra); }

  var q = charts.quantiles, centers = charts.throughput.centersS;
  var quantileColors = { p50: '#4e79a7', p90: '#59a14f', p99: '#f28e2b', max: '#e15759' };
  var canvas = document.getElementById('quantiles-chart');
  if (canvas) new Chart(canvas, {
    type: 'line',
    data: {
      datasets: ['p50', 'p90', 'p99', 'max'].map(function (name) {
        return {
          label: name,
          // A bucket without ok ops is a gap in the line, not a slope across it.
          data: q[name].map(function (v, i) { return { x: centers[i], y: v }; }),
          borderColor: quantileColors[name], backgroundColor: quantileColors[name],
          pointRadius: 0, borderWidth: name === 'max' ? 1 : 1.5, tension: 0, spanGaps: false
        };
      })
    },
    options: options({
      interaction: { mode: 'index', intersect: false },
      scales: { x: shared.timeAxis(), y: { type: 'logarithmic', title: { display: true, text: 'latency of ok ops (ms, log)' } } },
      plugins: { faultBands: shared.bandOptions, legend: { position: 'bottom' } }
    })
  });

  canvas = document.getElementById('clock-chart');
  if (canvas && charts.clock) {
    var palette = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
    new Chart(canvas, {
      type: 'line',
      data: {
        datasets: charts.clock.nodes.map(function (node, i) {
          var points = charts.clock.steps.map(function (s) { return { x: s.atS, y: node in s.offsetsS ? s.offsetsS[node] : 0 }; });
          points.push({ x: charts.endS, y: points.length ? points[points.length - 1].y : 0 });
          return { label: node, data: points, stepped: 'before', borderColor: palette[i % palette.length], backgroundColor: palette[i % palette.length], pointRadius: 2, borderWidth: 1.5 };
        })
      },
      options: options({
        scales: { x: shared.timeAxis(), y: { title: { display: true, text: 'clock offset (s)' } } },
        plugins: { faultBands: shared.bandOptions, legend: { position: 'bottom' } }
      })
    });
  }

  canvas = document.getElementById('availability-chart');
  if (canvas && charts.availability) {
    var bars = charts.availability;
    new Chart(canvas, {
      type: 'bar',
      data: {
        labels: bars.map(function (b) { return b.label; }),
        datasets: [{
          label: 'ok share',
          data: bars.map(function (b) { return b.okShare === null ? null : Math.round(b.okShare * 1000) / 10; }),
          backgroundColor: bars.map(function (b) { return b.color; })
        }]
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        indexAxis: 'y',
        scales: {
          x: { min: 0, max: 100, title: { display: true, text: '% of client ops invoked in the window that succeeded' } },
          y: { ticks: { callback: function (v) { var t = this.getLabelForValue(v); return t.length > 40 ? t.slice(0, 39) + '\u2026' : t; } } }
        },
        plugins: {
          legend: { display: false },
          tooltip: { callbacks: { label: function (c) { var b = bars[c.dataIndex]; return b.okShare === null ? 'no ops' : c.parsed.x + '% of ' + b.ops + ' ops ok'; } } }
        }
      }
    });
  }
})();
`;
