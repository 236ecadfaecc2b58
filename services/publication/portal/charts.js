// The night's charts from GetNightProgress, as inline SVG: stations reporting against time, and
// the PVT estimate of each list converging, with its 95 % margin as a band (and, when publication
// has a PVT sample, the estimate from the sample alone as a dashed line). Each chart has a text
// alternative (its aria-label says the latest figures; a table beside it holds every point the
// chart shows, for screen readers and for anyone who wants the numbers).
'use strict';

const HattamaCharts = (() => {
  const SVG = 'http://www.w3.org/2000/svg';
  const WIDTH = 560, HEIGHT = 240;
  const M = {left: 58, right: 14, top: 12, bottom: 28};
  const num = (v) => Number(v || 0);

  function node(tag, attrs, ...children) {
    const n = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs || {})) n.setAttribute(k, v);
    for (const child of children) n.append(child);
    return n;
  }

  // Round tick values covering [lo, hi]: about `count` of them, at 1, 2 or 5 times a power of ten.
  function ticks(lo, hi, count) {
    const span = hi - lo || 1;
    const raw = span / count;
    const power = 10 ** Math.floor(Math.log10(raw));
    const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw);
    const out = [];
    for (let v = Math.ceil(lo / step) * step; v <= hi + 1e-9; v += step) out.push(Number(v.toFixed(10)));
    return out;
  }

  // An empty chart: axes for x (times in ms) and y, gridlines, tick labels.
  function frame(label, x0, x1, y0, y1, yLabel) {
    const sx = (t) => M.left + (x1 === x0 ? 0.5 : (t - x0) / (x1 - x0)) * (WIDTH - M.left - M.right);
    const sy = (v) => HEIGHT - M.bottom - ((v - y0) / (y1 - y0 || 1)) * (HEIGHT - M.top - M.bottom);
    const svg = node('svg', {viewBox: `0 0 ${WIDTH} ${HEIGHT}`, role: 'img', 'aria-label': label,
                             class: 'chart'});
    const axis = node('g', {class: 'axis', 'aria-hidden': 'true'});
    for (const v of ticks(y0, y1, 4)) {
      axis.append(node('line', {x1: M.left, x2: WIDTH - M.right, y1: sy(v), y2: sy(v), class: 'grid'}),
                  node('text', {x: M.left - 6, y: sy(v) + 4, 'text-anchor': 'end'}, yLabel(v)));
    }
    const times = x1 > x0 ? [0, 1, 2, 3].map((i) => x0 + (i * (x1 - x0)) / 3) : [x0];
    // Seconds too when the night shown is short (a demo), so that no two ticks read the same.
    const when = x1 - x0 < 20 * 60 * 1000 ? HattamaI18n.time : HattamaI18n.shortTime;
    times.forEach((t, i) => {
      const anchor = times.length === 1 ? 'middle' : i === 0 ? 'start' : i === times.length - 1 ? 'end' : 'middle';
      axis.append(node('text', {x: sx(t), y: HEIGHT - 8, 'text-anchor': anchor}, when(new Date(t))));
    });
    axis.append(node('line', {x1: M.left, x2: WIDTH - M.right, y1: HEIGHT - M.bottom,
                              y2: HEIGHT - M.bottom, class: 'base'}));
    svg.append(axis);
    return {svg, sx, sy};
  }

  const pathOf = (xy) => xy.map(([x, y], i) => `${i ? 'L' : 'M'}${x.toFixed(1)},${y.toFixed(1)}`).join('');

  // A visually hidden table of the points, for screen readers (in a hidden box: a table itself
  // cannot be narrower than its content).
  function table(caption, head, rows) {
    const box = document.createElement('div');
    box.className = 'visually-hidden';
    const t = document.createElement('table');
    box.append(t);
    const cap = document.createElement('caption');
    cap.textContent = caption;
    const tr = (cells, tag) => {
      const row = document.createElement('tr');
      for (const c of cells) {
        const cell = document.createElement(tag);
        cell.textContent = c;
        row.append(cell);
      }
      return row;
    };
    const thead = document.createElement('thead');
    thead.append(tr(head, 'th'));
    const tbody = document.createElement('tbody');
    for (const r of rows) tbody.append(tr(r, 'td'));
    t.append(cap, thead, tbody);
    return box;
  }

  // The points to tabulate: at most about 12 spread over the night, the newest always.
  function sampled(points) {
    const step = Math.max(1, Math.ceil(points.length / 12));
    return points.filter((p, i) => i % step === 0 || i === points.length - 1);
  }

  const timeOf = (p) => Date.parse(p.time);

  function reporting(box, points) {
    const i18n = HattamaI18n;
    const last = points[points.length - 1];
    const total = Math.max(1, ...points.map((p) => num(p.stations_total)));
    const x0 = timeOf(points[0]), x1 = timeOf(last);
    const label = i18n.t('reportingAlt', {
      time: i18n.time(new Date(x1)), a: i18n.count(last.stations_reporting), b: i18n.count(last.stations_total),
      p: i18n.percent(100 * num(last.stations_reporting) / total)});
    const {svg, sx, sy} = frame(label, x0, x1, 0, total, (v) => i18n.count(v));
    const xy = points.map((p) => [sx(timeOf(p)), sy(num(p.stations_reporting))]);
    const base = sy(0);
    svg.append(
        node('path', {d: `${pathOf(xy)}L${xy[xy.length - 1][0].toFixed(1)},${base}L${xy[0][0].toFixed(1)},${base}Z`,
                      class: 'area'}),
        node('path', {d: pathOf(xy), class: 'line reporting', 'data-points': String(points.length)}),
        node('circle', {cx: xy[xy.length - 1][0], cy: xy[xy.length - 1][1], r: 4, class: 'dot'}));
    box.replaceChildren(svg, table(i18n.t('reportingChart'), ['', i18n.t('stationsReporting')],
        sampled(points).map((p) => [i18n.time(new Date(timeOf(p))),
                                    i18n.t('ofTotal', {a: i18n.count(p.stations_reporting),
                                                       b: i18n.count(p.stations_total)})])));
  }

  // options: the contest's lists in order, {option_id, label}; colours as on the map.
  function pvt(box, points, options, legendBox) {
    const i18n = HattamaI18n;
    // Samples before any station reported estimate nothing.
    const withPvt = points.filter((p) => p.pvt && (p.pvt.options || []).length && num(p.pvt.stations_sampled) > 0);
    if (!withPvt.length) {
      box.replaceChildren(Object.assign(document.createElement('p'), {className: 'note', textContent: i18n.t('progressEmpty')}));
      legendBox.replaceChildren();
      return;
    }
    const last = withPvt[withPvt.length - 1];
    const shares = (p) => Object.fromEntries((p.pvt.options || []).map((o) => [o.option_id, o]));
    // The PVT sample's estimate, once a sampled station has reported.
    const sampleShares = (p) => (p.pvt.sample && num(p.pvt.sample.stations_reported) > 0
      ? Object.fromEntries((p.pvt.sample.options || []).map((o) => [o.option_id, o])) : {});
    const estimateText = (o) => `${i18n.percent(o.share_percent)} ${i18n.t('plusMinusPoints', {v: i18n.decimal(o.margin_percent)})}`;
    let hi = 0;
    for (const p of withPvt) for (const o of p.pvt.options) hi = Math.max(hi, num(o.share_percent) + num(o.margin_percent));
    hi = Math.min(100, Math.max(10, Math.ceil(hi / 10) * 10));
    const x0 = timeOf(withPvt[0]), x1 = timeOf(last);
    const ranked = [...last.pvt.options].sort((a, b) => num(b.share_percent) - num(a.share_percent));
    const labelOf = (id) => (options.find((o) => o.option_id === id) || {label: id}).label;
    const label = i18n.t('pvtAlt', {time: i18n.time(new Date(x1)), list: ranked.map((o) =>
        `${labelOf(o.option_id)} ${i18n.percent(o.share_percent)} ${i18n.t('plusMinusPoints', {v: i18n.decimal(o.margin_percent)})}`).join('; ')});
    const {svg, sx, sy} = frame(label, x0, x1, 0, hi, (v) => i18n.wholePercent(v));
    options.forEach((option, i) => {
      const series = withPvt.map((p) => [timeOf(p), shares(p)[option.option_id]]).filter(([, o]) => o);
      if (!series.length) return;
      const colour = HattamaMap.listColour(i);
      const upper = series.map(([t, o]) => [sx(t), sy(Math.min(hi, num(o.share_percent) + num(o.margin_percent)))]);
      const lower = series.map(([t, o]) => [sx(t), sy(Math.max(0, num(o.share_percent) - num(o.margin_percent)))]).reverse();
      // The newest estimate as a dot with its margin as a bar: visible from the first sample on.
      const [t1, o1] = series[series.length - 1];
      svg.append(
          node('path', {d: `${pathOf(upper)}${pathOf(lower).replace(/^M/, 'L')}Z`, class: 'band',
                        fill: colour, 'data-option': option.option_id}),
          node('path', {d: pathOf(series.map(([t, o]) => [sx(t), sy(num(o.share_percent))])),
                        class: 'line estimate', stroke: colour, 'data-option': option.option_id,
                        'data-points': String(series.length)}),
          node('line', {x1: sx(t1), x2: sx(t1), class: 'margin', stroke: colour,
                        y1: sy(Math.min(hi, num(o1.share_percent) + num(o1.margin_percent))),
                        y2: sy(Math.max(0, num(o1.share_percent) - num(o1.margin_percent)))}),
          node('circle', {cx: sx(t1), cy: sy(num(o1.share_percent)), r: 4, fill: colour}));
      const fromSample = withPvt.map((p) => [timeOf(p), sampleShares(p)[option.option_id]]).filter(([, o]) => o);
      if (fromSample.length) {
        svg.append(node('path', {d: pathOf(fromSample.map(([t, o]) => [sx(t), sy(num(o.share_percent))])),
                                 class: 'line sample', stroke: colour, 'stroke-dasharray': '6 4',
                                 'data-option': option.option_id, 'data-points': String(fromSample.length)}));
      }
    });
    box.replaceChildren(svg, table(i18n.t('pvtChart'), ['', ...ranked.map((o) => labelOf(o.option_id))],
        sampled(withPvt).map((p) => {
          const s = shares(p);
          const fromSample = sampleShares(p);
          return [i18n.time(new Date(timeOf(p))), ...ranked.map((o) => (s[o.option_id]
              ? estimateText(s[o.option_id]) + (fromSample[o.option_id]
                ? `; ${i18n.t('colSample')} ${estimateText(fromSample[o.option_id])}` : '')
              : '–'))];
        })));
    legendBox.replaceChildren(...options.filter((o) => shares(last)[o.option_id]).map((o) => {
      const li = document.createElement('li');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = HattamaMap.listColour(options.indexOf(o));
      li.append(swatch, o.label);
      return li;
    }), ...(Object.keys(sampleShares(last)).length ? [Object.assign(document.createElement('li'),
        {className: 'dashed', textContent: i18n.t('chartSampleLegend')})] : []));
  }

  return {reporting, pvt};
})();
