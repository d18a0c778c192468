// The browser half of the timeline: inflates the columns of #timeline-data, then draws every op on
// one canvas, one row per worker, with fault bands, node events and failure marks. Each frame
// walks only the ops in view (sorted by start, binary searched); ops narrower than two pixels are
// merged per pixel column and row, so a 1,000,000-op history draws in milliseconds at any zoom.
// Plain ES2017 in a string, run in the page under the report's CSP; it must not contain "</script".
// Every string from the history reaches the page through textContent, never as markup.
// One closure in one file, past the usual size: decoding, drawing, hit-testing and the controls
// all share the decoded columns and the view, and a second script would have to share them globally.

/** Inline script source; expects #timeline-data (JSON, see timeline-section.ts) and the #tl-* elements. */
export const timelineScript = String.raw`
(function () {
  'use strict';
  var dataEl = document.getElementById('timeline-data');
  var canvas = document.getElementById('tl-canvas');
  if (!dataEl || !canvas) return;
  var embed = JSON.parse(dataEl.textContent);
  var d = embed.data;
  var api = window.faultlineTimeline = { ready: false, draws: 0, lastDrawMs: 0, shown: 0 };
  var NEVER = 0xffffffff;
  var TYPE_NAMES = ['ok', 'fail', 'info', 'never completed'];
  var TYPE_COLORS = ['#4e79a7', '#e15759', '#f28e2b', '#8250df'];
  var AXIS_H = 22, EVENT_ROW_H = 14, ROW_H = 12, BAR_H = 8, GUTTER = 70, MAX_VIEW_H = 620;
  var font = '11px system-ui, -apple-system, "Segoe UI", sans-serif';
  var $ = function (id) { return document.getElementById(id); };
  var scroller = $('tl-scroll'), spacer = $('tl-spacer'), detail = $('tl-detail'), statusEl = $('tl-status');
  var ctx = canvas.getContext('2d');

  function bytesOf(b64) {
    var bin = atob(b64), bytes = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) bytes[i] = bin.charCodeAt(i);
    return bytes;
  }
  function gunzip(b64) {
    return new Response(new Blob([bytesOf(b64)]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer();
  }

  statusEl.textContent = 'opening ' + d.count + ' ops\u2026';
  Promise.all([gunzip(d.columnBytes), gunzip(d.strings)]).then(function (r) {
    open(r[0], JSON.parse(new TextDecoder().decode(r[1])));
  }).catch(function (err) {
    statusEl.textContent = 'could not open the timeline: ' + err;
  });

  // Decoded state, set by open().
  var n = 0, strings, col = {}, start, end, proc, index, laneOps, laneStart, lookBack = 0, openOps = [], mask, marks = [];
  var v0 = 0, v1 = 1, pinned = -1, hovered = null, eventRows = [], eventsByNode = Object.create(null), faultRows = [], headerH = AXIS_H, totalH = 0, viewH = 0;

  function open(buffer, table) {
    strings = table;
    n = d.count;
    var bytes = new Uint8Array(buffer);
    d.columns.forEach(function (name, c) {
      var out = new Uint32Array(n), b = c * n * 4;
      for (var i = 0; i < n; i++) out[i] = (bytes[b + i] | bytes[b + n + i] << 8 | bytes[b + 2 * n + i] << 16 | bytes[b + 3 * n + i] << 24) >>> 0;
      col[name] = out;
    });
    start = new Float64Array(n); end = new Float64Array(n); proc = new Float64Array(n); index = new Float64Array(n);
    var t = 0, at = 0, lastProc = {}, laneCount = d.lanes.length, counts = new Int32Array(laneCount + 1);
    for (var i = 0; i < n; i++) {
      t += col.startDelta[i]; start[i] = t;
      at += col.indexDelta[i] | 0; index[i] = at;
      var lane = col.lane[i];
      if (col.duration[i] === NEVER) { end[i] = d.endUnits; openOps.push(i); } else { end[i] = t + col.duration[i]; if (col.duration[i] > lookBack) lookBack = col.duration[i]; }
      proc[i] = d.lanes[lane] === 'nemesis' && lane === 0 ? -1 : (lastProc[lane] = (lastProc[lane] || 0) + (col.processDelta[i] | 0));
      counts[lane + 1]++;
    }
    laneStart = new Int32Array(laneCount + 1);
    for (var l = 0; l < laneCount; l++) laneStart[l + 1] = laneStart[l] + counts[l + 1];
    laneOps = new Int32Array(n);
    var fill = laneStart.slice(0, laneCount);
    for (var j = 0; j < n; j++) laneOps[fill[col.lane[j]]++] = j;
    embed.marks.forEach(function (m) { var i = findOp(m.opIndex); if (i >= 0) marks.push({ i: i, label: m.label }); });
    embed.events.forEach(function (e) { (eventsByNode[e.node] = eventsByNode[e.node] || []).push(e); });
    eventRows = Object.keys(eventsByNode).sort();
    embed.faults.forEach(function (f) { if (faultRows.indexOf(f.fault) < 0) faultRows.push(f.fault); });
    headerH = AXIS_H + (faultRows.length + eventRows.length) * EVENT_ROW_H;
    totalH = headerH + laneCount * ROW_H + 6;
    viewH = Math.min(totalH, MAX_VIEW_H);
    mask = new Uint8Array(n);
    applyFilters();
    resetView();
    bindControls();
    resize();
    api.ready = true;
    api.count = n;
    performance.mark('faultline-timeline-ready');
  }

  // --- view and geometry ---
  var plotW = 1;
  function resize() {
    var w = scroller.clientWidth, dpr = window.devicePixelRatio || 1;
    canvas.style.width = w + 'px'; canvas.style.height = viewH + 'px';
    canvas.width = Math.round(w * dpr); canvas.height = Math.round(viewH * dpr);
    scroller.style.height = viewH + 'px';
    spacer.style.height = (totalH - viewH) + 'px';
    plotW = Math.max(1, w - GUTTER - 10);
    schedule();
  }
  function resetView() { v0 = 0; v1 = Math.max(d.endUnits, 1); }
  function setView(a, b) {
    var span = Math.max(b - a, 10), full = Math.max(d.endUnits, 1);
    if (span >= full) { resetView(); } else { a = Math.min(Math.max(a, 0), full - span); v0 = a; v1 = a + span; }
    schedule();
  }
  function zoom(factor, atX) {
    var t = v0 + (atX === undefined ? plotW / 2 : atX) * (v1 - v0) / plotW;
    setView(t - (t - v0) * factor, t + (v1 - t) * factor);
  }
  function xOf(u) { return GUTTER + (u - v0) * plotW / (v1 - v0); }
  var pending = false;
  function schedule() { if (!pending) { pending = true; requestAnimationFrame(function () { pending = false; draw(); }); } }

  // --- drawing ---
  function draw() {
    var began = performance.now(), dpr = window.devicePixelRatio || 1, w = canvas.width / dpr;
    ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
    ctx.clearRect(0, 0, w, viewH);
    ctx.font = font;
    var scrollTop = scroller.scrollTop, k = plotW / (v1 - v0);
    var firstRow = Math.max(0, Math.floor(scrollTop / ROW_H)), rows = Math.ceil((viewH - headerH) / ROW_H) + 1;
    var rowY = function (lane) { return headerH + lane * ROW_H - scrollTop; };
    embed.faults.forEach(function (f) {
      var a = xOf(f.startNs / d.unitNs), b = f.endNs === null ? xOf(d.endUnits) : xOf(f.endNs / d.unitNs);
      a = Math.max(a, GUTTER); b = Math.min(b, GUTTER + plotW);
      if (b <= a) return;
      ctx.fillStyle = f.color; ctx.fillRect(a, AXIS_H, Math.max(b - a, 1), viewH - AXIS_H);
    });
    ctx.save();
    ctx.beginPath(); ctx.rect(GUTTER, headerH, plotW, viewH - headerH); ctx.clip();
    for (var r = firstRow; r < firstRow + rows && r < d.lanes.length; r++) if (r % 2) { ctx.fillStyle = 'rgba(0,0,0,0.025)'; ctx.fillRect(GUTTER, rowY(r), plotW, ROW_H); }
    var W = Math.ceil(plotW), cells = new Uint8Array(rows * W), rects = [[], [], [], []], shown = 0;
    function visit(i) {
      if (!mask[i]) return;
      var row = col.lane[i] - firstRow;
      if (row < 0 || row >= rows) return;
      var x0 = (start[i] - v0) * k, x1 = (end[i] - v0) * k;
      if (x1 < 0 || x0 > plotW) return;
      shown++;
      var type = col.type[i];
      if (x1 - x0 < 2) { var c = Math.min(W - 1, Math.max(0, Math.floor(x0))), at = row * W + c; if (cells[at] < type + 1) cells[at] = type + 1; }
      else rects[type].push(Math.max(x0, -2), row, Math.min(x1, plotW + 2) - Math.max(x0, -2));
    }
    for (var i = lowerBound(start, v0 - lookBack, 0, n); i < n && start[i] <= v1; i++) if (col.duration[i] !== NEVER) visit(i);
    openOps.forEach(function (j) { if (start[j] <= v1) visit(j); });
    rects.forEach(function (list, type) {
      ctx.fillStyle = TYPE_COLORS[type]; ctx.beginPath();
      for (var j = 0; j < list.length; j += 3) ctx.rect(GUTTER + list[j], rowY(list[j + 1] + firstRow) + 2, list[j + 2], BAR_H);
      ctx.fill();
    });
    for (var row = 0; row < rows; row++) {
      var y = rowY(row + firstRow) + 2;
      for (var c = 0; c < W;) {
        var v = cells[row * W + c];
        if (!v) { c++; continue; }
        var c1 = c + 1;
        while (c1 < W && cells[row * W + c1] === v) c1++;
        ctx.fillStyle = TYPE_COLORS[v - 1]; ctx.fillRect(GUTTER + c, y, c1 - c, BAR_H);
        c = c1;
      }
    }
    marks.forEach(function (m) { outline(m.i, '#cf222e', rowY, true); });
    if (pinned >= 0) outline(pinned, '#24292f', rowY, false);
    ctx.restore();
    drawHeader(w, rowY, firstRow, rows);
    if (api.draws === 0) performance.mark('faultline-timeline-drawn');
    api.shown = shown; api.draws++; api.lastDrawMs = performance.now() - began;
    statusEl.textContent = shown.toLocaleString('en') + ' ops in view \u00b7 ' + (v0 * d.unitNs / 1e9).toFixed(3) + '\u2013' + (v1 * d.unitNs / 1e9).toFixed(3) + ' s \u00b7 drawn in ' + api.lastDrawMs.toFixed(0) + ' ms';
  }

  function outline(i, color, rowY, flag) {
    var a = xOf(start[i]), b = Math.max(xOf(end[i]), a + 3), y = rowY(col.lane[i]);
    ctx.strokeStyle = color; ctx.lineWidth = 2; ctx.strokeRect(a - 1, y + 1, b - a + 2, BAR_H + 2);
    if (flag) { ctx.fillStyle = color; ctx.beginPath(); ctx.moveTo(a - 5, y - 4); ctx.lineTo(a + 5, y - 4); ctx.lineTo(a, y + 2); ctx.fill(); }
  }

  function drawHeader(w, rowY, firstRow, rows) {
    ctx.fillStyle = '#fff'; ctx.fillRect(0, 0, w, AXIS_H); ctx.fillRect(0, 0, GUTTER, viewH);
    ctx.fillStyle = '#24292f'; ctx.strokeStyle = '#8c959f'; ctx.lineWidth = 1; ctx.textBaseline = 'middle';
    var spanS = (v1 - v0) * d.unitNs / 1e9, step = niceStep(spanS / Math.max(2, plotW / 110)), digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
    for (var s = Math.ceil(v0 * d.unitNs / 1e9 / step) * step; s <= v1 * d.unitNs / 1e9; s += step) {
      var x = xOf(s * 1e9 / d.unitNs);
      ctx.beginPath(); ctx.moveTo(x, AXIS_H - 5); ctx.lineTo(x, AXIS_H); ctx.stroke();
      ctx.fillText(s.toFixed(digits) + ' s', x + 2, 9);
    }
    ctx.beginPath(); ctx.moveTo(GUTTER, AXIS_H); ctx.lineTo(GUTTER + plotW, AXIS_H); ctx.stroke();
    faultRows.forEach(function (fault, r) {
      var y = AXIS_H + r * EVENT_ROW_H;
      ctx.fillStyle = '#57606a'; ctx.fillText(clip(fault, GUTTER - 8), 4, y + EVENT_ROW_H / 2);
      embed.faults.forEach(function (f) {
        if (f.fault !== fault) return;
        var a = Math.max(xOf(f.startNs / d.unitNs), GUTTER), b = f.endNs === null ? GUTTER + plotW : Math.min(xOf(f.endNs / d.unitNs), GUTTER + plotW);
        if (b <= a) return;
        ctx.fillStyle = f.solid; ctx.fillRect(a, y + 2, Math.max(b - a, 2), EVENT_ROW_H - 3);
        var text = b - a > 16 ? clip(f.label, b - a - 6) : '';
        if (text) { ctx.fillStyle = '#fff'; ctx.fillText(text, a + 3, y + EVENT_ROW_H / 2 + 1); }
      });
    });
    eventRows.forEach(function (node, r) {
      var y = AXIS_H + (faultRows.length + r) * EVENT_ROW_H + EVENT_ROW_H / 2;
      ctx.fillStyle = '#57606a'; ctx.fillText(clip(node, GUTTER - 8), 4, y);
      eventsByNode[node].forEach(function (e) {
        var x = xOf(e.atNs / d.unitNs);
        if (x < GUTTER || x > GUTTER + plotW) return;
        ctx.fillStyle = e.color; ctx.beginPath(); ctx.moveTo(x, y - 5); ctx.lineTo(x + 4, y); ctx.lineTo(x, y + 5); ctx.lineTo(x - 4, y); ctx.fill();
      });
    });
    ctx.strokeStyle = '#d0d7de';
    [AXIS_H + faultRows.length * EVENT_ROW_H, headerH].forEach(function (y) { ctx.beginPath(); ctx.moveTo(0, y + 0.5); ctx.lineTo(GUTTER + plotW, y + 0.5); ctx.stroke(); });
    for (var r = firstRow; r < firstRow + rows && r < d.lanes.length; r++) {
      var y = rowY(r) + ROW_H / 2;
      if (y < headerH + 4) continue;
      ctx.fillStyle = '#57606a'; ctx.fillText(clip(d.lanes[r], GUTTER - 8), 4, y);
    }
  }

  function niceStep(raw) {
    var p = Math.pow(10, Math.floor(Math.log10(raw))), m = raw / p;
    return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 5 ? 5 : 10) * p;
  }
  function clip(text, width) {
    if (ctx.measureText(text).width <= width) return text;
    while (text.length > 1 && ctx.measureText(text + '\u2026').width > width) text = text.slice(0, -1);
    return text + '\u2026';
  }
  function lowerBound(arr, value, lo, hi) {
    while (lo < hi) { var mid = (lo + hi) >>> 1; if (arr[mid] < value) lo = mid + 1; else hi = mid; }
    return lo;
  }

  // --- filters ---
  var ids = null;
  function idOf(text) {
    if (!ids) { ids = new Map(); strings.forEach(function (s, i) { if (!ids.has(s)) ids.set(s, i); }); }
    return ids.has(text) ? ids.get(text) : -2;
  }
  // The key of [key, value] ops, or the keys of a transaction's [f, key, value] micro-ops.
  var keyCache = new Map();
  function keysOf(valueId) {
    if (keyCache.has(valueId)) return keyCache.get(valueId);
    var keys = [], v = null;
    try { v = JSON.parse(strings[valueId]); } catch (e) { var m = /^\[("?)([^",\]]*)\1,/.exec(strings[valueId]); if (m) keys.push(m[2]); }
    if (Array.isArray(v)) {
      if (v.length === 2 && (typeof v[0] === 'string' || typeof v[0] === 'number')) keys.push(String(v[0]));
      else v.forEach(function (mop) { if (Array.isArray(mop) && mop.length === 3 && typeof mop[0] === 'string') keys.push(String(mop[1])); });
    }
    keyCache.set(valueId, keys);
    return keys;
  }
  function applyFilters() {
    var type = $('tl-type').value, f = $('tl-f').value, node = $('tl-node').value, key = $('tl-key').value.trim();
    var fId = f ? idOf(f) : -1, nodeId = node ? idOf(node) : -1, matched = 0, keyMatch = new Map();
    for (var i = 0; i < n; i++) {
      var ok = 1;
      if (proc[i] >= 0) {
        var t = col.type[i];
        if (type && (type === 'not-ok' ? t === 0 : TYPE_NAMES[t] !== (type === 'open' ? 'never completed' : type))) ok = 0;
        else if (fId !== -1 && col.f[i] !== fId) ok = 0;
        else if (nodeId !== -1 && col.node[i] !== nodeId) ok = 0;
        else if (key) {
          var vId = col.value[i];
          if (!keyMatch.has(vId)) keyMatch.set(vId, keysOf(vId).indexOf(key) >= 0);
          if (!keyMatch.get(vId)) ok = 0;
        }
        matched += ok;
      }
      mask[i] = ok;
    }
    api.matched = matched;
    schedule();
  }

  // --- hit testing and details ---
  function findOp(opIndex) {
    for (var i = 0; i < n; i++) if (index[i] === opIndex || (col.completeGap[i] && index[i] + col.completeGap[i] === opIndex)) return i;
    return -1;
  }
  function hitAt(x, y) {
    if (x < GUTTER) return null;
    var t = v0 + (x - GUTTER) * (v1 - v0) / plotW, tol = 4 * (v1 - v0) / plotW;
    var headerRow = Math.floor((y - AXIS_H) / EVENT_ROW_H);
    if (y >= AXIS_H && headerRow < faultRows.length) {
      var found = null;
      embed.faults.forEach(function (f) { if (f.fault === faultRows[headerRow] && f.startNs / d.unitNs <= t + tol && (f.endNs === null || f.endNs / d.unitNs >= t - tol)) found = f; });
      return found && { fault: found };
    }
    if (y >= AXIS_H && y < headerH) {
      var list = eventsByNode[eventRows[headerRow - faultRows.length]] || [], best = null, bestD = tol * 1.5;
      list.forEach(function (e) { var dd = Math.abs(e.atNs / d.unitNs - t); if (dd <= bestD) { best = e; bestD = dd; } });
      return best && { event: best };
    }
    if (y < headerH) return null;
    var lane = Math.floor((y - headerH + scroller.scrollTop) / ROW_H);
    if (lane < 0 || lane >= d.lanes.length) return null;
    var lo = laneStart[lane], hi = laneStart[lane + 1], pos = lowerBound2(lo, hi, t + tol), bestI = -1, bestDist = Infinity;
    for (var p = pos - 1, steps = 0; p >= lo && steps < 5000; p--, steps++) {
      var i = laneOps[p];
      if (start[i] < t - tol - lookBack && col.duration[i] !== NEVER) break;
      if (!mask[i] || end[i] < t - tol) continue;
      var dist = t < start[i] ? start[i] - t : t > end[i] ? t - end[i] : 0;
      if (dist < bestDist) { bestDist = dist; bestI = i; }
      if (dist === 0) break;
    }
    return bestI >= 0 ? { op: bestI } : null;
  }
  function lowerBound2(lo, hi, value) {
    while (lo < hi) { var mid = (lo + hi) >>> 1; if (start[laneOps[mid]] <= value) lo = mid + 1; else hi = mid; }
    return lo;
  }
  function seconds(units) { return (units * d.unitNs / 1e9).toFixed(6) + ' s'; }
  function line(label, text) {
    var row = document.createElement('div'), b = document.createElement('b');
    b.textContent = label + ' '; row.appendChild(b); row.appendChild(document.createTextNode(text));
    detail.appendChild(row);
    return row;
  }
  function logLink(row, node) {
    // node comes from the history: only the log links the report embeds, never an inherited property.
    var href = Object.prototype.hasOwnProperty.call(embed.logs, node) ? embed.logs[node] : null;
    if (typeof href !== 'string') return;
    var a = document.createElement('a');
    a.setAttribute('href', href); a.textContent = ' node log of ' + node;
    row.appendChild(a);
  }
  function showDetail(hit) {
    detail.textContent = '';
    detail.className = 'timeline-detail';
    if (!hit) { detail.className = 'timeline-detail muted'; detail.textContent = 'Hover an op or a node event for its details.'; return; }
    if (hit.fault) {
      var f = hit.fault;
      line(f.label, 'from ' + (f.startNs / 1e9).toFixed(3) + ' s ' + (f.endNs === null ? 'to the end of the run' : 'to ' + (f.endNs / 1e9).toFixed(3) + ' s (' + ((f.endNs - f.startNs) / 1e9).toFixed(3) + ' s)'));
      return;
    }
    if (hit.event) {
      var e = hit.event;
      logLink(line(e.node + ' \u00b7 ' + e.event + ' at', (e.atNs / 1e9).toFixed(6) + ' s \u00b7 ' + e.message), e.node);
      return;
    }
    var i = hit.op, type = col.type[i], done = col.duration[i] !== NEVER;
    var result = col.result[i] === NEVER ? strings[col.value[i]] : strings[col.result[i]];
    line('op ' + index[i] + (done ? ' \u2192 ' + (index[i] + col.completeGap[i]) : '') + ':', strings[col.f[i]] + ' ' + strings[col.value[i]] + ' \u2192 ' + TYPE_NAMES[type] + (done ? ' ' + result : ''));
    var where = line('process', (proc[i] < 0 ? 'nemesis' : String(proc[i])) + (strings[col.node[i]] ? ' \u00b7 node ' + strings[col.node[i]] : ''));
    if (strings[col.node[i]]) logLink(where, strings[col.node[i]]);
    line('invoked', seconds(start[i]) + (done ? ' \u00b7 completed ' + seconds(end[i]) + ' \u00b7 latency ' + ((end[i] - start[i]) * d.unitNs / 1e6).toPrecision(4) + ' ms' : ' \u00b7 never completed'));
    if (col.error[i]) line('error', strings[col.error[i]]);
    marks.forEach(function (m) { if (m.i === i) line('\u2717', m.label); });
  }

  // --- controls ---
  function focusOp(opIndex) {
    var i = findOp(opIndex);
    if (i < 0) return;
    var span = Math.max((end[i] - start[i]) * 12, 2e8 / d.unitNs);
    setView((start[i] + end[i]) / 2 - span / 2, (start[i] + end[i]) / 2 + span / 2);
    pinned = i; showDetail({ op: i });
    scroller.scrollTop = Math.max(0, col.lane[i] * ROW_H - (viewH - headerH) / 2);
    $('timeline').scrollIntoView();
  }
  function bindControls() {
    ['tl-type', 'tl-f', 'tl-node'].forEach(function (id) { $(id).addEventListener('change', applyFilters); });
    $('tl-key').addEventListener('input', applyFilters);
    $('tl-zoom-in').addEventListener('click', function () { zoom(0.5); });
    $('tl-zoom-out').addEventListener('click', function () { zoom(2); });
    $('tl-reset').addEventListener('click', function () { resetView(); schedule(); });
    scroller.addEventListener('scroll', schedule);
    window.addEventListener('resize', resize);
    canvas.addEventListener('wheel', function (e) {
      var rect = canvas.getBoundingClientRect();
      if (e.ctrlKey || e.metaKey) { e.preventDefault(); zoom(Math.exp(e.deltaY * 0.002), e.clientX - rect.left - GUTTER); }
      else if (e.shiftKey || Math.abs(e.deltaX) > Math.abs(e.deltaY)) { e.preventDefault(); var dx = e.shiftKey ? e.deltaY : e.deltaX; setView(v0 + dx * (v1 - v0) / plotW, v1 + dx * (v1 - v0) / plotW); }
    }, { passive: false });
    var drag = null;
    canvas.addEventListener('mousedown', function (e) { drag = { x: e.clientX, v0: v0, v1: v1, moved: false }; });
    window.addEventListener('mouseup', function (e) {
      if (drag && !drag.moved) { var h = hitAt(e.clientX - canvas.getBoundingClientRect().left, e.clientY - canvas.getBoundingClientRect().top); pinned = h && h.op !== undefined ? h.op : -1; showDetail(h); schedule(); }
      drag = null;
    });
    canvas.addEventListener('mousemove', function (e) {
      var rect = canvas.getBoundingClientRect();
      if (drag && (drag.moved || Math.abs(e.clientX - drag.x) > 3)) {
        drag.moved = true;
        var du = (drag.x - e.clientX) * (drag.v1 - drag.v0) / plotW;
        setView(drag.v0 + du, drag.v1 + du);
        return;
      }
      hovered = hitAt(e.clientX - rect.left, e.clientY - rect.top);
      showDetail(hovered || (pinned >= 0 ? { op: pinned } : null));
    });
    canvas.addEventListener('dblclick', function (e) { zoom(0.4, e.clientX - canvas.getBoundingClientRect().left - GUTTER); });
    canvas.addEventListener('keydown', function (e) {
      var pan = (v1 - v0) * 0.2;
      if (e.key === '+' || e.key === '=') zoom(0.5); else if (e.key === '-') zoom(2);
      else if (e.key === 'ArrowLeft') setView(v0 - pan, v1 - pan); else if (e.key === 'ArrowRight') setView(v0 + pan, v1 + pan);
      else if (e.key === '0') { resetView(); schedule(); } else return;
      e.preventDefault();
    });
    document.addEventListener('click', function (e) {
      var link = e.target.closest && e.target.closest('[data-op],[data-at-ns]');
      if (!link) return;
      e.preventDefault();
      if (link.hasAttribute('data-op')) { focusOp(Number(link.getAttribute('data-op'))); return; }
      var at = Number(link.getAttribute('data-at-ns')) / d.unitNs, half = 1e9 / d.unitNs;
      setView(at - half, at + half);
      $('timeline').scrollIntoView();
    });
    api.setView = function (s0, s1) { setView(s0 * 1e9 / d.unitNs, s1 * 1e9 / d.unitNs); };
    api.view = function () { return [v0 * d.unitNs / 1e9, v1 * d.unitNs / 1e9]; };
    api.focusOp = focusOp;
    api.applyFilters = applyFilters;
  }
})();
`;
