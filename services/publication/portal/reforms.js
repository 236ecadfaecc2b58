// The portal's "What the reforms would change" view (issue #16 item 3): seats at today's threshold
// and at 3 %, a mixed system (half by list, half in single-member constituencies), the "against
// all" line and its maximum, turnout under a minimum, and the share of voters (and of the
// population) whose votes elected the seats. Drawn by app.js as the section 'reforms', from
// GetReforms of the contest on screen (a snapshot file, or /v1/).
'use strict';

const HattamaReforms = (() => {
  const num = (v) => Number(v || 0);

  function table(ui, id, label, keys, rows) {
    const {el, t} = ui;
    return el('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t(label)},
      el('table', {id, class: 'wrap-head'},
        el('thead', {}, el('tr', {}, ...keys.map((k) => el('th', {scope: 'col'}, t(k))))),
        el('tbody', {}, ...rows)));
  }

  // One row a ballot option: its share and its seats under each system, side by side.
  function seats(ui, r) {
    const {el, fmt, pct} = ui;
    const mixed = num(r.mixed_constituency_seats) > 0;
    const cell = (column, value) => el('td', {'data-column': column}, value);
    const rows = (r.options || []).map((o) => el('tr', {'data-option': o.option_id},
        el('th', {scope: 'row'}, ui.optionName(ui.contest, o.option_id)),
        cell('share', pct(o.share_percent)),
        cell('current', o.against_all ? '—' : fmt(o.seats_current_threshold)),
        cell('proposed', o.against_all ? '—' : fmt(o.seats_proposed_threshold)),
        cell('mixed', o.against_all || !mixed ? '—'
          : `${fmt(o.mixed_list_seats)} + ${fmt(o.mixed_constituency_seats)} = ` +
            fmt(num(o.mixed_list_seats) + num(o.mixed_constituency_seats)))));
    return table(ui, 'reforms-seats', 'reformsTitle', ['colList', 'colShare',
      'reformsSeatsCurrent', 'reformsSeatsProposed', 'reformsSeatsMixed'], rows);
  }

  function againstAll(ui, r) {
    const {t, pct} = ui;
    const a = r.against_all || {};
    if (!a.on_ballot) return t('reformsAgainstAllNone');
    return t(a.exceeds_max ? 'reformsAgainstAllVoid' : 'reformsAgainstAllStands',
             {share: pct(a.share_percent), max: pct(a.max_percent)});
  }

  function turnout(ui, r) {
    const {t, fmt, pct} = ui;
    const areas = r.areas_below_min_turnout || [];
    const kind = (k) => areas.filter((a) => a.kind === k).length;
    const below = num(r.stations_reporting) > 0 && num(r.turnout_percent) < num(r.min_turnout_percent);
    return t(below ? 'reformsTurnoutBelow' : 'reformsTurnoutAbove', {
      turnout: pct(r.turnout_percent), min: pct(r.min_turnout_percent),
      regions: fmt(kind('AREA_KIND_REGION')), districts: fmt(kind('AREA_KIND_DISTRICT')),
      contests: fmt((r.contests_below_min_turnout || []).length)});
  }

  // Whose votes elected the seats, one row a system.
  function decided(ui, r) {
    const {el, fmt, pct} = ui;
    const row = (system, d) => el('tr', {'data-system': system},
        el('th', {scope: 'row'}, ui.t(system === 'current' ? 'reformsSeatsCurrent'
          : system === 'proposed' ? 'reformsSeatsProposed' : 'reformsSeatsMixed')),
        el('td', {'data-column': 'votes'}, d ? fmt(d.votes) : '—'),
        el('td', {'data-column': 'registered'}, d ? pct(d.registered_percent) : '—'),
        el('td', {'data-column': 'population'},
           d && d.population_percent !== undefined ? pct(d.population_percent) : '—'));
    return table(ui, 'reforms-decided', 'reformsDecidedTitle',
      ['reformsColSystem', 'reformsColVotes', 'reformsColRegistered', 'reformsColPopulation'],
      [row('current', r.decided_current_threshold), row('proposed', r.decided_proposed_threshold),
       row('mixed', r.decided_mixed)]);
  }

  // `ui`: app.js's helpers {el, t, fmt, pct, i18n, optionName, contest}. Draws into `root` (the
  // section's heading and note stay in index.html).
  async function draw(read, ui, root) {
    const r = await read('GetReforms', {contest_id: ui.contest.contest_id});
    const {el, t, fmt} = ui;
    const mixed = num(r.mixed_constituency_seats) > 0;
    root.replaceChildren(
      el('p', {class: 'note', id: 'reforms-note'}, t(mixed ? 'reformsSeatsNote' : 'reformsNoMixed', {
        seats: fmt(r.seats), list: fmt(r.mixed_list_seats), single: fmt(r.mixed_constituency_seats),
        a: fmt(r.stations_reporting), b: fmt(r.stations_registered)})),
      seats(ui, r),
      el('p', {class: 'note', id: 'reforms-against-all'}, againstAll(ui, r)),
      el('p', {class: 'note', id: 'reforms-turnout'}, turnout(ui, r)),
      el('h3', {}, t('reformsDecidedTitle')),
      el('p', {class: 'note'}, t('reformsDecidedNote')),
      decided(ui, r));
  }

  return {draw};
})();
