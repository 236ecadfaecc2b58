// The portal's "Who observed" view (issue #16): deployment per organisation and per affiliation,
// the stations each camp covers, the mandate table per city, and turnout and shares at stations
// with and without an independent observer. Drawn by app.js as the section 'observers', from
// GetOrganisationDeployment, GetCityDeployment and GetObserverEffect (snapshot files, or /v1/).
'use strict';

const HattamaObservers = (() => {
  const ORGANISATION_COLUMNS = ['observers_declared', 'mandates_sent', 'mandates_handed_out',
    'observers_admitted', 'observers_refused', 'observers_removed', 'stations_covered',
    'regions_covered', 'protocols_obtained'];
  // The report's columns; the last is mandates sent minus protocols obtained.
  const CITY_COLUMNS = ['mandates_sent', 'mandates_handed_out', 'stations_covered',
    'protocols_obtained', 'protocols_not_obtained'];
  const AFFILIATION_KEYS = {
    independent: 'affIndependent', party: 'affParty', 'authority-affiliated': 'affAuthority',
    international: 'affInternational', unregistered: 'affUnregistered',
  };

  // `ui`: app.js's helpers {el, t, fmt, pct, i18n, areaName, areaById, contest, optionName}.
  function table(ui, id, headers, rows) {
    const {el, t} = ui;
    return el('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': t(headers.label)},
      el('table', {id, class: 'wrap-head'},
        el('thead', {}, el('tr', {}, ...headers.keys.map((k) => el('th', {scope: 'col'}, t(k))))),
        el('tbody', {}, ...rows)));
  }

  function affiliation(ui, name) { return ui.t(AFFILIATION_KEYS[name] || 'affUnregistered'); }

  function organisations(ui, deployment) {
    const {el, t, fmt} = ui;
    const row = (o, attrs) => el('tr', attrs,
        el('th', {scope: 'row'}, attrs['data-affiliation-row'] ? affiliation(ui, o.affiliation) : (o.name || o.organisation_id)),
        el('td', {'data-column': 'affiliation'}, affiliation(ui, o.affiliation)),
        ...ORGANISATION_COLUMNS.map((c) => el('td', {'data-column': c}, fmt(o[c]))));
    const rows = [
      ...(deployment.organisations || []).map((o) => row(o, {'data-organisation': o.organisation_id})),
      ...(deployment.affiliations || []).map((o) => row(o, {'data-affiliation-row': o.affiliation, class: 'total'})),
    ];
    const c = deployment.coverage || {};
    return [
      table(ui, 'organisations', {label: 'observersTitle',
        keys: ['colOrganisation', 'colAffiliation', ...ORGANISATION_COLUMNS]}, rows),
      el('p', {class: 'note', id: 'coverage-note'}, t('coverageNote', {
        n: fmt(c.stations_registered), i: fmt(c.independent), io: fmt(c.independent_only),
        a: fmt(c.authority_affiliated), ao: fmt(c.authority_affiliated_only), b: fmt(c.both),
        x: fmt(c.neither)})),
    ];
  }

  function cities(ui, table_) {
    const {el, t, fmt} = ui;
    const row = (f, attrs, name) => el('tr', attrs, el('th', {scope: 'row'}, name),
        ...CITY_COLUMNS.map((c) => el('td', {'data-column': c}, fmt(f[c]))));
    const rows = (table_.cities || []).map((f) =>
        row(f, {'data-city': f.area_id}, ui.areaName(ui.areaById(f.area_id), f.name || f.area_id)));
    rows.push(row(table_.total || {}, {'data-city': 'total', class: 'total'}, t('total')));
    return [el('h3', {}, t('citiesTitle')), el('p', {class: 'note'}, t('citiesNote')),
            table(ui, 'cities', {label: 'citiesTitle', keys: ['colCity', ...CITY_COLUMNS.slice(0, 4), 'confiscatedOrNotAdmitted']}, rows)];
  }

  function difference(ui, f) {
    const {t, i18n} = ui;
    const d = t('points', {v: i18n.signed(f.difference_points)});
    return f.has_interval
      ? t('withInterval', {d, lo: i18n.signed(f.ci_low_points), hi: i18n.signed(f.ci_high_points)})
      : t('noInterval', {d});
  }

  function effect(ui, e) {
    const {el, t, fmt, pct} = ui;
    const row = (f, attrs, name) => el('tr', attrs, el('th', {scope: 'row'}, name),
        el('td', {'data-column': 'with'}, pct(f.with_percent)),
        el('td', {'data-column': 'without'}, pct(f.without_percent)),
        el('td', {'data-column': 'difference'}, difference(ui, f)));
    const rows = [row(e.turnout || {}, {'data-figure': 'turnout'}, t('turnout')),
      ...(e.options || []).map((o) => row(o, {'data-option': o.option_id}, ui.optionName(ui.contest, o.option_id)))];
    return [el('h3', {}, t('effectTitle')),
            el('p', {class: 'note', id: 'effect-note'}, t('effectNote', {w: fmt(e.stations_with), o: fmt(e.stations_without)})),
            table(ui, 'observer-effect', {label: 'effectTitle', keys: ['colFigure', 'colWith', 'colWithout', 'colDifference']}, rows)];
  }

  // Draws the whole section into `root` (its heading and note stay in index.html).
  async function draw(read, ui, root) {
    const [deployment, perCity, observed] = await Promise.all([
      read('GetOrganisationDeployment', {}), read('GetCityDeployment', {}),
      read('GetObserverEffect', {contest_id: ui.contest.contest_id})]);
    root.replaceChildren(...organisations(ui, deployment), ...cities(ui, perCity), ...effect(ui, observed));
  }

  return {draw};
})();
