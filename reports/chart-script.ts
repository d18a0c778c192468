// The browser half of the report: reads the embedded JSON and draws the charts with the inlined
// chart.js, with a small plugin that shades fault windows behind the data, marks failures and
// ticks node events along the top; extra-charts-script.ts draws the other charts with it.
// Plain ES2017 in a string: it runs in the page, never in Node. It must not contain "</script".

/** Inline script source; expects `#report-data` (JSON), canvases `#latency-chart` and `#throughput-chart`. */
export const chartScript = String.raw`
(function () {
  'use strict';
  var data = JSON.parse(document.getElementById('report-data').textContent);

  // Copy buttons next to the replay and re-check commands (the text stays selectable without JS).
  Array.prototype.forEach.call(document.querySelectorAll('pre.command'), function (pre) {
    var button = document.createElement('button');
    button.type = 'button';
    button.className = 'copy';
    button.textContent = 'copy';
    button.addEventListener('click', function () {
      var done = function (text) { button.textContent = text; setTimeout(function () { button.textContent = 'copy'; }, 1500); };
      if (navigator.clipboard) navigator.clipboard.writeText(pre.textContent).then(function () { done('copied'); }, function () { done('select & copy'); });
      else done('select & copy');
    });
    pre.parentNode.insertBefore(button, pre);
  });

  if (typeof Chart === 'undefined' || !data.charts) return;
  var charts = data.charts;
  var typeColors = { ok: '#4e79a7', fail: '#e15759', info: '#f28e2b' };
  var font = '11px system-ui, -apple-system, "Segoe UI", sans-serif';

  function fitText(ctx, text, width) {
    if (width < 12) return '';
    if (ctx.measureText(text).width <= width) return text;
    var lo = 0, hi = text.length;
    while (lo < hi) {
      var mid = (lo + hi + 1) >> 1;
      if (ctx.measureText(text.slice(0, mid) + '\u2026').width <= width) lo = mid; else hi = mid - 1;
    }
    return lo === 0 ? '' : text.slice(0, lo) + '\u2026';
  }

  function bandEdges(chart, w) {
    var x = chart.scales.x, area = chart.chartArea;
    var left = Math.max(area.left, x.getPixelForValue(w.startS));
    var right = w.endS === null ? area.right : Math.min(area.right, x.getPixelForValue(w.endS));
    return { left: left, right: Math.max(right, left + 1) };
  }

  // Bands go behind the data; their labels and the failure markers go on top so they stay readable.
  var faultBands = {
    id: 'faultBands',
    beforeDatasetsDraw: function (chart, args, opts) {
      var area = chart.chartArea, ctx = chart.ctx;
      ctx.save();
      (opts.windows || []).forEach(function (w) {
        var e = bandEdges(chart, w);
        ctx.fillStyle = w.color;
        ctx.fillRect(e.left, area.top, e.right - e.left, area.bottom - area.top);
      });
      ctx.restore();
    },
    afterDatasetsDraw: function (chart, args, opts) {
      var area = chart.chartArea, ctx = chart.ctx, x = chart.scales.x;
      var rows = Object.create(null); // keyed by fault names from the history
      ctx.save();
      ctx.font = font;
      ctx.textBaseline = 'top';
      (opts.windows || []).forEach(function (w) {
        if (!(w.fault in rows)) rows[w.fault] = Object.keys(rows).length;
        var e = bandEdges(chart, w);
        var text = fitText(ctx, w.label, e.right - e.left - 4) || fitText(ctx, w.fault, e.right - e.left - 4);
        if (!text) return;
        var y = area.top + 2 + rows[w.fault] * 14;
        ctx.fillStyle = 'rgba(255,255,255,0.8)';
        ctx.fillRect(e.left + 1, y - 1, ctx.measureText(text).width + 2, 13);
        ctx.fillStyle = '#24292f';
        ctx.fillText(text, e.left + 2, y);
      });
      (opts.events || []).forEach(function (e) {
        var px = x.getPixelForValue(e.atS);
        if (px < area.left || px > area.right) return;
        ctx.fillStyle = e.color;
        ctx.beginPath();
        ctx.moveTo(px - 3.5, area.top);
        ctx.lineTo(px + 3.5, area.top);
        ctx.lineTo(px, area.top + 6);
        ctx.fill();
      });
      (opts.markers || []).forEach(function (m) {
        var px = x.getPixelForValue(m.atS);
        if (px < area.left || px > area.right) return;
        ctx.strokeStyle = '#cf222e';
        ctx.lineWidth = 1.5;
        ctx.setLineDash([4, 3]);
        ctx.beginPath();
        ctx.moveTo(px, area.top);
        ctx.lineTo(px, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        var text = fitText(ctx, m.label, 260);
        var tx = px + 3 + ctx.measureText(text).width > area.right ? px - 3 - ctx.measureText(text).width : px + 3;
        ctx.fillStyle = 'rgba(255,255,255,0.85)';
        ctx.fillRect(tx - 1, area.bottom - 15, ctx.measureText(text).width + 2, 13);
        ctx.fillStyle = '#cf222e';
        ctx.fillText(text, tx, area.bottom - 14);
      });
      ctx.restore();
    }
  };

  function timeAxis() {
    return { type: 'linear', min: 0, max: charts.endS, ticks: { includeBounds: false }, title: { display: true, text: 'seconds since test start' } };
  }
  var bandOptions = { windows: charts.faults, markers: charts.markers, events: charts.events };
  // Registered for every chart on the page (extra-charts-script.ts too); charts without faultBands options draw nothing extra.
  Chart.register(faultBands);
  window.faultlineCharts = { bandOptions: bandOptions, timeAxis: timeAxis, typeColors: typeColors };

  new Chart(document.getElementById('latency-chart'), {
    type: 'scatter',
    data: {
      datasets: charts.latency.series.map(function (s) {
        var points = new Array(s.xy.length / 2);
        for (var i = 0; i < points.length; i++) points[i] = { x: s.xy[2 * i], y: s.xy[2 * i + 1] };
        var color = typeColors[s.type] || '#888';
        return {
          label: s.f + ' ' + s.type,
          data: points,
          pointStyle: s.pointStyle,
          pointRadius: s.type === 'ok' ? 2 : 3.5,
          borderWidth: 1,
          borderColor: color,
          backgroundColor: s.type === 'ok' ? color + '66' : color + 'cc'
        };
      })
    },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      maintainAspectRatio: false,
      scales: {
        x: timeAxis(),
        y: {
          type: 'logarithmic',
          // Whole decades with room to spare, so points at the extremes (timeouts) are not cut in half.
          min: Math.pow(10, Math.floor(Math.log10(charts.latency.minMs / 1.3))),
          max: Math.pow(10, Math.ceil(Math.log10(charts.latency.maxMs * 1.3))),
          title: { display: true, text: 'latency (ms, log)' },
          ticks: { callback: function (v) { var d = Math.log10(v); return Math.abs(d - Math.round(d)) < 1e-9 ? String(Number(v.toPrecision(1))) : ''; } }
        }
      },
      plugins: {
        faultBands: bandOptions,
        legend: { position: 'bottom', labels: { usePointStyle: true } },
        subtitle: { display: true, text: charts.latency.note, padding: { bottom: 6 } },
        tooltip: { callbacks: { label: function (c) { return c.dataset.label + ': ' + c.parsed.y + ' ms, invoked at ' + c.parsed.x + ' s'; } } }
      }
    }
  });

  var t = charts.throughput;
  new Chart(document.getElementById('throughput-chart'), {
    type: 'line',
    data: {
      datasets: ['ok', 'fail', 'info'].filter(function (type) {
        return type === 'ok' || t.perS[type].some(function (v) { return v > 0; });
      }).map(function (type) {
        return {
          label: type,
          data: t.perS[type].map(function (v, i) { return { x: t.centersS[i], y: v }; }),
          borderColor: typeColors[type],
          backgroundColor: typeColors[type],
          pointRadius: 0,
          borderWidth: 1.5,
          tension: 0
        };
      })
    },
    options: {
      animation: false,
      parsing: false,
      normalized: true,
      maintainAspectRatio: false,
      interaction: { mode: 'index', intersect: false },
      scales: { x: timeAxis(), y: { beginAtZero: true, title: { display: true, text: 'completions per second' } } },
      plugins: {
        faultBands: bandOptions,
        legend: { position: 'bottom' },
        subtitle: { display: true, text: 'client op completions per ' + t.bucketS + ' s bucket, by outcome', padding: { bottom: 6 } }
      }
    }
  });
})();
`;
