// The portal's PVT sample view (issue #16 item 4): beside the estimate from the stations reported
// so far, the estimate from the sample of stations drawn before the night (hattama-hub
// draw-sample), the sample file's SHA-256 (published before the night: anyone can check that the
// sample was not chosen afterwards), each region's completion, and a warning while a region's
// sample is under-reported. Drawn by app.js in the section 'pvt' from GetPvtEstimate's `sample`;
// hidden when publication runs without a sample.
'use strict';

const HattamaPvt = (() => {
  // `ui`: app.js's helpers {el, t, fmt, pct, i18n, areaName, areaById, contest, optionName}.
  function cell(ui, o) {
    return o ? ui.t('estimateCell', {v: ui.pct(o.share_percent), m: ui.i18n.decimal(o.margin_percent)})
             : '–';
  }

  // Each list's two estimates side by side, in ballot order.
  function sideBySide(ui, estimate, sample) {
    const {el, t} = ui;
    const soFar = Object.fromEntries((estimate.options || []).map((o) => [o.option_id, o]));
    const rows = (sample.options || []).map((o) => el('tr', {'data-option': o.option_id},
        el('th', {scope: 'row'}, ui.optionName(ui.contest, o.option_id)),
        el('td', {'data-column': 'so-far'}, cell(ui, soFar[o.option_id])),
        el('td', {'data-column': 'sample'}, cell(ui, o))));
    return el('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('pvtSampleTitle')},
      el('table', {id: 'pvt-both'},
        el('thead', {}, el('tr', {}, ...['colList', 'colSoFar', 'colSample'].map((k) =>
            el('th', {scope: 'col'}, t(k))))),
        el('tbody', {}, ...rows)));
  }

  // Each region's sample: how much of it has reported; under-reported ones marked.
  function completion(ui, sample) {
    const {el, t, fmt, pct} = ui;
    const rows = (sample.strata || []).map((s) => el('tr',
        {'data-region': s.area_id, class: s.under_reported ? 'under' : ''},
        el('th', {scope: 'row'}, ui.areaName(ui.areaById(s.area_id), s.area_id)),
        el('td', {'data-column': 'sampled'}, fmt(s.stations_sampled)),
        el('td', {'data-column': 'reported'}, fmt(s.stations_reported)),
        el('td', {'data-column': 'completion'},
           s.under_reported ? t('underReported', {p: pct(s.completion_percent)}) : pct(s.completion_percent))));
    return el('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t('pvtCompletionTitle')},
      el('table', {id: 'pvt-completion'},
        el('caption', {}, t('pvtCompletionTitle')),
        el('thead', {}, el('tr', {}, ...['colSampleRegion', 'colSampled', 'colReported', 'colCompletion'].map((k) =>
            el('th', {scope: 'col'}, t(k))))),
        el('tbody', {}, ...rows)));
  }

  function draw(estimate, ui, root) {
    const {el, t, fmt, i18n} = ui;
    const sample = estimate.sample;
    root.hidden = !sample;
    if (!sample) {
      root.replaceChildren();
      return;
    }
    const under = (sample.strata || []).filter((s) => s.under_reported).length;
    const parts = [
      el('h3', {}, t('pvtSampleTitle')),
      el('p', {class: 'note', id: 'pvt-sample-note'}, t('pvtSampleNote', {
        r: fmt(sample.stations_reported), s: fmt(sample.stations_sampled),
        m: i18n.decimal(sample.target_margin_percent)})),
      el('p', {class: 'note'}, t('pvtSampleSha'), ' ', el('code', {id: 'pvt-sample-sha256'}, sample.sha256)),
    ];
    if (sample.under_reported) {
      parts.push(el('p', {class: 'warning', id: 'pvt-sample-warning', role: 'status'},
          t('pvtSampleWarning', {n: fmt(under), p: fmt(sample.min_completion_percent)})));
    }
    parts.push(sideBySide(ui, estimate, sample), completion(ui, sample));
    root.replaceChildren(...parts);
  }

  return {draw};
})();
