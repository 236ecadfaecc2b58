// The Hattama portal: draws what HattamaData reads (the snapshot files, or /v1/<Method>) in the
// visitor's language. No build step, no framework: a few plain files a person can read. Each
// part of the page is a section that records which files it read, so that when the index names
// a new version of one of them only that section is drawn again.
'use strict';

const i18n = HattamaI18n;
const data = HattamaData;

const THRESHOLD = 7;  // percent of valid votes; the Mazhilis party-list threshold
const REFRESH_MS = 5000;  // polling /v1/, when Server-Sent Events are not available
const INDEX_POLL_MS = 2000;  // reading /data/index.json again, in files mode
// After the browser gave up on the event stream, how long until it is opened again.
const SSE_RETRY_MS = 30000;
// In API mode the estimate and the night's history read every reporting station's protocol or a
// long list: read less often than the totals.
const PVT_REFRESH_MS = 30000;
const PROGRESS_REFRESH_MS = 10000;

// position: the log position of the totals on screen (AreaTotals.log_position).
// station: the station page's id, null on the results; cameFromDashboard: whether going back
// leads to this page.
const state = {election: null, contest: null, area: null, position: null, measure: 'leader',
               station: null, cameFromDashboard: false};
// How updates arrive: 'files' (the index polled), 'sse' (the /v1/Watch stream) or 'polling'
// (/v1/ read again), shown on <body data-live> so that a test can tell which path it saw.
const live = {source: null, mode: 'polling'};

const num = (v) => Number(v || 0);
const pct = (v) => i18n.percent(v);
const fmt = (v) => i18n.count(v);
const t = (key, vars) => i18n.t(key, vars);

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (k === 'class') node.className = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const child of children) node.append(child);
  return node;
}

function areaById(id) { return state.election.areas.find((a) => a.area_id === id); }
function childrenOf(id) { return state.election.areas.filter((a) => a.parent_id === id); }
function nation() { return state.election.areas.find((a) => !a.parent_id); }
function currentContest() {
  return state.election.contests.find((c) => c.contest_id === state.contest);
}
const areaName = (a, id) => i18n.name(a, id || (a && a.area_id));
function contestOf(id) { return state.election.contests.find((c) => c.contest_id === id); }
function optionName(contest, id) {
  const o = contest && contest.options.find((x) => x.option_id === id);
  return o ? i18n.name(o, id) : id;
}

// --- Sections --------------------------------------------------------------------------------

// name -> {draw(read), keys: the index keys its last drawing read, running, again}
const sections = new Map();
function section(name, draw) { sections.set(name, {draw, keys: new Set(), running: null, again: false}); }

// Draws one section; a second call while it draws makes it draw once more afterwards.
async function redraw(name) {
  const s = sections.get(name);
  if (s.running) {
    s.again = true;
    return s.running;
  }
  s.running = (async () => {
    do {
      s.again = false;
      const keys = new Set();
      try {
        await s.draw((method, params) => data.read(method, params, keys));
      } catch (e) {
        console.warn(`${name}: ${e.message}`);
      }
      s.keys = keys;
    } while (s.again);
  })();
  try {
    await s.running;
  } finally {
    s.running = null;
  }
}
const redrawAll = (names) => Promise.all((names || [...sections.keys()]).map(redraw));

// --- The area on screen ---------------------------------------------------------------------

function drawContests() {
  const nav = document.getElementById('contests');
  nav.replaceChildren(...state.election.contests.map((c) => el('button', {
    type: 'button',
    'aria-pressed': String(c.contest_id === state.contest),
    'data-contest': c.contest_id,
    onclick: () => { state.contest = c.contest_id; drawContests(); watch(); redrawAll(); },
  }, i18n.name(c, c.contest_id))));
}

function drawLanguages() {
  document.getElementById('languages').replaceChildren(...i18n.languages.map((code) => el('button', {
    type: 'button', lang: code, 'data-lang': code, 'aria-pressed': String(code === i18n.lang),
    onclick: () => i18n.setLanguage(code),
  }, i18n.languageName(code))));
}

function drawNational(totals) {
  const contest = currentContest();
  const area = areaById(state.area);
  document.getElementById('contest-name').textContent =
      `${i18n.name(contest, contest.contest_id)} — ${areaName(area)}`;
  document.getElementById('turnout').textContent = pct(totals.turnout_percent);
  document.getElementById('spoiled').textContent = pct(totals.spoiled_percent);
  document.getElementById('coverage').textContent =
      t('ofTotal', {a: fmt(totals.stations_reporting), b: fmt(totals.stations_registered)});
  document.getElementById('flagged').textContent = fmt(totals.flagged_count);
  const options = [...totals.options].sort((a, b) => num(b.votes) - num(a.votes));
  const scale = Math.max(THRESHOLD * 1.5, ...options.map((o) => num(o.share_percent))) * 1.05;
  document.getElementById('bars').replaceChildren(...options.map((o) => {
    const share = num(o.share_percent);
    const name = optionName(contest, o.option_id);
    return el('div', {class: `bar${share < THRESHOLD ? ' below' : ''}`, role: 'listitem',
                      'data-option': o.option_id},
      el('span', {class: 'name'}, name),
      el('div', {class: 'track', 'aria-hidden': 'true'},
        el('div', {class: 'fill', style: `width:${(100 * share / scale).toFixed(2)}%`}),
        el('div', {class: 'threshold', style: `left:${(100 * THRESHOLD / scale).toFixed(2)}%`})),
      el('span', {class: 'pct', title: t('votes', {n: fmt(o.votes)})}, pct(share)));
  }));
  document.getElementById('bars-note').textContent = t('barsNote', {t: pct(THRESHOLD)});
  document.getElementById('updated').textContent = t('updated', {time: i18n.time(new Date())});
  state.position = totals.log_position || {};
  drawLogPosition();
}

section('national', async (read) => {
  try {
    drawNational(await read('GetAreaTotals', {area_id: state.area, contest_id: state.contest}));
  } catch (e) {
    document.getElementById('contest-name').textContent = t('cannotLoad', {why: e.message});
  }
});

// The tree size the totals on screen were computed at: a recount of the log's first N leaves
// gives them exactly (README "Checking Hattama's figures yourself").
function drawLogPosition() {
  const size = num(state.position && state.position.tree_size);
  const target = document.getElementById('log-position');
  target.dataset.treeSize = String(size);
  if (size) target.textContent = t('recountable', {n: fmt(size)});
  else target.textContent = logView.logUrl ? t('notInLog') : '';
}

function leaderOf(contest, options) {
  const leader = [...options].sort((a, b) => num(b.votes) - num(a.votes))[0];
  return num(leader && leader.votes)
      ? `${optionName(contest, leader.option_id)} ${pct(leader.share_percent)}` : '–';
}

// Moves to area `id` (a link others can follow: #area=<id>).
function goToArea(id) {
  location.hash = id === nation().area_id ? '' : `area=${encodeURIComponent(id)}`;
}

// One row of the region or district table, from that area's AreaTotals.
function areaRow(child, totals) {
  const href = `#area=${encodeURIComponent(child.area_id)}`;
  return el('tr', {'data-area': child.area_id, onclick: (e) => { if (e.target.tagName !== 'A') goToArea(child.area_id); }},
    el('td', {}, el('a', {href}, areaName(child))),
    el('td', {}, `${fmt(totals.stations_reporting)} / ${fmt(totals.stations_registered)}`),
    el('td', {}, pct(totals.turnout_percent)),
    el('td', {}, leaderOf(currentContest(), totals.options)),
    el('td', {}, fmt(totals.flagged_count)));
}

function drawBreadcrumb() {
  const crumbs = [];
  for (let a = areaById(state.area); a; a = a.parent_id ? areaById(a.parent_id) : null) crumbs.unshift(a);
  document.getElementById('breadcrumb').replaceChildren(...crumbs.flatMap((a, i) => [
    i ? ' › ' : '',
    i === crumbs.length - 1 ? el('span', {'aria-current': 'page'}, areaName(a))
        : el('a', {href: a.parent_id ? `#area=${encodeURIComponent(a.area_id)}` : '#'}, areaName(a)),
  ]));
}

// The map and the table under it: the regions of the nation, the districts of a region, or a
// district's stations (the map then shows its region's districts, the district outlined).
section('map', async (read) => {
  drawBreadcrumb();
  const contest = currentContest();
  const children = childrenOf(state.area);
  const district = children.length === 0;
  const mapArea = district ? areaById(areaById(state.area).parent_id) : areaById(state.area);
  const tiles = childrenOf(mapArea.area_id);
  const regionLevel = !mapArea.parent_id;
  const withOfficial = state.measure === 'difference';
  const items = await Promise.all(tiles.map(async (area) => {
    const params = {area_id: area.area_id, contest_id: state.contest};
    const [totals, official] = await Promise.all([
      read('GetAreaTotals', params).catch(() => null),
      withOfficial ? read('GetOfficialTotals', params).catch(() => null) : null]);
    return {area, totals, official, name: areaName(area),
            optionName: (id) => optionName(contest, id)};
  }));
  const held = items.filter((i) => i.totals && num(i.totals.stations_registered) > 0);
  const measureName = t({leader: 'measureLeader', turnout: 'measureTurnout', coverage: 'measureCoverage',
                         difference: 'measureDifference'}[state.measure]);
  HattamaMap.draw(document.getElementById('map'), document.getElementById('map-legend'), {
    items, measure: state.measure, current: state.area, geographic: regionLevel,
    options: contest.options.map((o) => ({option_id: o.option_id, label: i18n.name(o, o.option_id)})),
    label: t(regionLevel ? 'mapLabel' : 'mapDistrictLabel', {area: areaName(mapArea), measure: measureName}),
    onSelect: goToArea,
  });
  document.getElementById('areas').hidden = district;
  document.getElementById('stations').hidden = !district;
  if (district) {
    document.getElementById('areas-title').textContent = t('stations');
    await drawStations(read);
    return;
  }
  document.getElementById('areas-title').textContent =
      t(children[0].kind === 'AREA_KIND_DISTRICT' ? 'districts' : 'regions');
  // Areas where the contest is not held (no station registered for it) have no row.
  document.querySelector('#areas tbody').replaceChildren(...held.map((i) => areaRow(i.area, i.totals)));
});

// The stations of the district on screen: every page of ListStations (one file in files mode).
async function drawStations(read) {
  const summaries = [];
  let token = '';
  do {
    const page = await read('ListStations', {area_id: state.area, contest_id: state.contest,
                                             page_token: token});
    summaries.push(...(page.stations || []));
    token = page.next_page_token;
  } while (token);
  const contest = currentContest();
  document.querySelector('#stations tbody').replaceChildren(...summaries.map((s) => {
    const id = s.station.station_id;
    let turnout = '–', leader = t('notReported');
    if (s.counted) {
      const f = s.counted;
      const registered = num(f.registered_voters) || num(s.station.registered_voters);
      turnout = registered ? pct(100 * num(f.ballots_in_box) / registered) : '–';
      const top = [...(f.option_votes || [])].sort((a, b) => num(b.votes) - num(a.votes))[0];
      leader = top && num(f.ballots_valid)
          ? `${optionName(contest, top.option_id)} ${pct(100 * num(top.votes) / num(f.ballots_valid))}` : '–';
    }
    const flags = (s.flags || []).length;
    const href = `#station=${encodeURIComponent(id)}`;
    return el('tr', {'data-station': id, class: s.counted ? '' : 'pending',
                     onclick: (e) => { if (e.target.tagName !== 'A') location.hash = href; }},
      el('td', {}, el('a', {href}, id)),
      el('td', {}, turnout),
      el('td', {}, leader),
      el('td', {class: flags ? 'flag' : ''}, flags ? `⚑ ${flags}` : '–'),
      el('td', {class: s.disputed ? 'flag' : ''},
         s.disputed ? t('disputedConfirm', {n: fmt(s.confirmations)})
                    : (s.counted ? t('confirm', {n: fmt(s.confirmations)}) : '')),
      el('td', {}, s.official ? t('yes') : '–'));
  }));
}

// --- The night's charts ---------------------------------------------------------------------

let progressAt = 0;
section('progress', async (read) => {
  const note = document.getElementById('progress-note');
  let progress;
  try {
    progress = await read('GetNightProgress', {contest_id: state.contest});
  } catch (e) {
    // An older server, or a web server whose files hold no history.
    document.getElementById('progress').dataset.state = 'unavailable';
    note.textContent = t('progressNone');
    document.querySelector('#progress .charts').hidden = true;
    return;
  }
  document.querySelector('#progress .charts').hidden = false;
  progressAt = Date.now();
  const points = progress.points || [];
  note.textContent = t(points.length ? 'progressNote' : 'progressEmpty');
  document.getElementById('progress').dataset.state = points.length ? 'drawn' : 'empty';
  if (!points.length) return;
  const contest = currentContest();
  HattamaCharts.reporting(document.getElementById('reporting-chart'), points);
  HattamaCharts.pvt(document.getElementById('pvt-chart'), points,
                    contest.options.map((o) => ({option_id: o.option_id, label: i18n.name(o, o.option_id)})),
                    document.getElementById('pvt-legend'));
});

// --- Seats, the estimate, the comparison, deployment ----------------------------------------

// Seats are allotted nationally: always the nation's.
section('seats', async (read) => {
  const params = {contest_id: state.contest, area_id: nation().area_id};
  const [at7, at3] = await Promise.all([read('GetSeats', {...params, threshold_percent: 7}),
                                        read('GetSeats', {...params, threshold_percent: 3})]);
  const contest = currentContest();
  const seats3 = Object.fromEntries(at3.options.map((o) => [o.option_id, o.seats]));
  document.querySelector('#seats tbody').replaceChildren(...[...at7.options]
      .sort((a, b) => num(b.votes) - num(a.votes)).map((o) =>
        el('tr', {'data-option': o.option_id},
          el('td', {}, optionName(contest, o.option_id)), el('td', {}, pct(o.share_percent)),
          el('td', {}, fmt(o.seats)), el('td', {}, fmt(seats3[o.option_id])))));
});

let pvtAt = 0;
section('pvt', async (read) => {
  pvtAt = Date.now();
  const e = await read('GetPvtEstimate', {contest_id: state.contest});
  const contest = currentContest();
  document.getElementById('pvt-note').textContent = t('pvtNote', {
    a: fmt(e.stations_sampled), b: fmt(e.stations_registered), c: fmt(e.regions_sampled),
    d: fmt(e.regions_total)});
  document.querySelector('#pvt tbody').replaceChildren(...[...(e.options || [])]
      .sort((a, b) => num(b.share_percent) - num(a.share_percent))
      .map((o) => el('tr', {'data-option': o.option_id}, el('td', {}, optionName(contest, o.option_id)),
                     el('td', {}, pct(o.share_percent)),
                     el('td', {}, t('plusMinusPoints', {v: i18n.decimal(o.margin_percent)})))));
  // Beside it, the estimate from the PVT sample drawn before the night (pvt.js).
  HattamaPvt.draw(e, {el, t, fmt, pct, i18n, areaName, areaById, optionName, contest},
                  document.getElementById('pvt-sample-view'));
});

// Official results against the observers' for the area on screen, and the largest differences
// anywhere.
section('comparison', async (read) => {
  const params = {area_id: state.area, contest_id: state.contest};
  const [observed, official, listed] = await Promise.all([
    read('GetAreaTotals', params), read('GetOfficialTotals', params),
    read('ListDiscrepancies', {contest_id: state.contest, limit: 10})]);
  const contest = currentContest();
  const shares = Object.fromEntries((official.options || []).map((o) => [o.option_id, o]));
  const diff = (a, b) => t('points', {v: i18n.signed(num(a) - num(b))});
  const rows = [
    el('tr', {'data-row': 'reporting'}, el('th', {scope: 'row'}, t('stationsReporting')),
       el('td', {}, fmt(observed.stations_reporting)), el('td', {}, fmt(official.stations_reporting)), el('td', {}, '')),
    el('tr', {'data-row': 'turnout'}, el('th', {scope: 'row'}, t('turnout')), el('td', {}, pct(observed.turnout_percent)),
       el('td', {}, pct(official.turnout_percent)), el('td', {}, diff(official.turnout_percent, observed.turnout_percent))),
    ...[...observed.options].sort((a, b) => num(b.votes) - num(a.votes)).map((o) => {
      const off = shares[o.option_id] || {};
      return el('tr', {'data-option': o.option_id}, el('th', {scope: 'row'}, optionName(contest, o.option_id)),
                el('td', {}, pct(o.share_percent)), el('td', {}, pct(off.share_percent)),
                el('td', {}, diff(off.share_percent, o.share_percent)));
    })];
  document.querySelector('#comparison tbody').replaceChildren(...rows);
  document.getElementById('discrepancy-note').textContent = t('discrepancyNote', {n: fmt(listed.total_count)});
  document.querySelector('#discrepancies tbody').replaceChildren(...(listed.discrepancies || []).map((d) => {
    const station = d.kind === 'AREA_KIND_STATION';
    const href = station ? `#station=${encodeURIComponent(d.area_id)}` : `#area=${encodeURIComponent(d.area_id)}`;
    const largest = [...(d.option_differences || [])]
        .sort((a, b) => Math.abs(num(b.votes)) - Math.abs(num(a.votes)))[0];
    return el('tr', {'data-discrepancy': d.area_id,
                     onclick: (e) => { if (e.target.tagName !== 'A') location.hash = href; }},
      el('td', {}, el('a', {href}, station ? t('stationNamed', {id: d.area_id}) : areaName(areaById(d.area_id), d.area_id))),
      el('td', {}, fmt(d.magnitude)),
      el('td', {}, i18n.signedCount(d.ballots_in_box_difference)),
      el('td', {}, largest ? `${optionName(contest, largest.option_id)} ${i18n.signedCount(largest.votes)}` : '–'));
  }));
});

const DEPLOYMENT_COLUMNS = ['mandates_sent', 'mandates_handed_out', 'observers_admitted',
  'observers_refused', 'observers_removed', 'stations_covered', 'protocols_obtained',
  'protocols_refused', 'protocols_confiscated', 'protocols_not_obtained'];

section('deployment', async (read) => {
  const table = await read('GetDeploymentTable', {});
  const row = (f, cls) => el('tr', {'data-area': f.area_id, class: cls || ''},
      el('th', {scope: 'row'}, areaName(areaById(f.area_id), f.name || f.area_id)),
      ...DEPLOYMENT_COLUMNS.map((c) => el('td', {'data-column': c}, fmt(f[c]))));
  document.querySelector('#deployment tbody').replaceChildren(
      row(table.nation, 'total'), ...(table.regions || []).map((r) => row(r)));
});

// Who observed (observers.js): per organisation, per city, and the observer effect.
section('observers', (read) => HattamaObservers.draw(read, {
  el, t, fmt, pct, i18n, areaName, areaById, optionName, contest: currentContest(),
}, document.getElementById('observers-view')));

// What the reforms would change (reforms.js), for the contest on screen.
section('reforms', (read) => HattamaReforms.draw(read, {
  el, t, fmt, pct, i18n, optionName, contest: currentContest(),
}, document.getElementById('reforms-view')));

// --- Live updates ---------------------------------------------------------------------------

function setLive(mode) {
  live.mode = mode;
  document.body.dataset.live = mode;
  document.getElementById('live-mode').textContent =
      mode === 'files' ? t('liveFiles', {s: INDEX_POLL_MS / 1000})
      : mode === 'sse' ? t('liveSse') : t('livePolling', {s: REFRESH_MS / 1000});
}

// Files mode: the index read again every INDEX_POLL_MS; a section is drawn again only when a
// file it read has a new version.
async function pollIndex() {
  const changed = await data.poll();
  if (!changed || !changed.size) return;
  const names = [...sections.entries()]
      .filter(([, s]) => [...s.keys].some((k) => changed.has(k))).map(([name]) => name);
  await redrawAll(names);
}

// API mode, one live event: the totals of one area. The area on screen is redrawn; the map and
// table of its children are redrawn (at most once a second).
let mapSoon = null;
function onTotals(totals) {
  if (totals.contest_id !== state.contest || !totals.area) return;
  const id = totals.area.area_id;
  if (id === state.area) {
    drawNational(totals);
    if (!childrenOf(id).length) redraw('map');  // a station of it changed
  } else if (areaById(id) && areaById(id).parent_id === state.area && !mapSoon) {
    mapSoon = setTimeout(() => { mapSoon = null; redraw('map'); }, 1000);
  }
}

// API mode: Server-Sent Events from /v1/Watch when the browser and the server have them;
// polling otherwise, and whenever the stream is down (the browser reconnects by itself; polling
// covers the gap).
function watch() {
  if (data.mode === 'files') return;
  if (live.source) live.source.close();
  live.source = null;
  setLive('polling');
  if (!('EventSource' in window)) return;
  const source = new EventSource(`/v1/Watch?contest_id=${encodeURIComponent(state.contest)}`);
  live.source = source;
  source.addEventListener('open', () => { setLive('sse'); redrawAll(['national', 'map']); });
  source.addEventListener('totals', (event) => {
    try { onTotals(JSON.parse(event.data)); } catch (e) { /* a malformed event: the next poll */ }
  });
  source.addEventListener('error', () => {
    setLive('polling');
    // A 503 (the change feed is down, or the server's stream cap is reached) or no Watch endpoint
    // (an older server): the browser gives up on the stream. Polling goes on; the stream is
    // tried again later, so that live updates come back when the server can give them.
    if (source.readyState === EventSource.CLOSED && live.source === source) {
      live.source = null;
      setTimeout(() => { if (live.source === null) watch(); }, SSE_RETRY_MS);
    }
  });
}

// API mode: what no event carries is read again on a timer, the totals too when polling.
function apiTick() {
  const names = ['seats', 'comparison', 'deployment', 'observers', 'reforms', 'log'];
  if (live.mode !== 'sse') names.push('national', 'map');
  if (Date.now() - pvtAt >= PVT_REFRESH_MS) names.push('pvt');
  if (Date.now() - progressAt >= PROGRESS_REFRESH_MS) names.push('progress');
  if (state.station) names.push('station');
  redrawAll(names).catch(() => {});
}

// --- The station page -----------------------------------------------------------------------

function figureRows(figures) {
  const names = ['registered_voters', 'ballots_received', 'ballots_issued', 'ballots_cancelled',
                 'ballots_in_box', 'ballots_spoiled', 'ballots_valid'];
  return names.filter((n) => n in figures).map((n) =>
      el('tr', {'data-figure': n}, el('th', {scope: 'row'}, t(n)), el('td', {}, fmt(figures[n]))));
}

const hexOf = (base64) => [...atob(base64)].map((ch) => ch.charCodeAt(0).toString(16).padStart(2, '0')).join('');
const when = (timestamp) => (timestamp ? i18n.dateTime(new Date(timestamp)) : '–');
// A flag: its reason in the visitor's language where the tables have it, and the server's own
// message (in English, with the figures involved).
const flagText = (f) => {
  const where = f.field ? ` (${f.field})` : '';
  if (!i18n.has(f.code)) return `⚑ ${f.message || f.code}${where}`;
  return `⚑ ${t(f.code)}${where}${f.message ? ` — ${f.message}` : ''}`;
};

// One version of a station's protocol: who sent it, when, its photo's hash, its flags.
function versionCard(version, counted, official) {
  const s = version.submission || {};
  const mark = s.submission_id === counted ? ` · ${t('counted')}` : '';
  return el('li', {class: 'version', 'data-submission': s.submission_id},
    el('div', {}, el('strong', {}, t('versionBy', {
      id: s.submission_id, observer: s.observer_id || '–', org: s.organisation_id || t('noOrganisation'),
      revision: num(s.revision), source: t(s.source === 'SOURCE_OFFICIAL' ? 'sourceOfficial' : 'sourceObserver')})),
      mark, s.retraction ? ` · ${t('retraction')}` : '', s.submission_id === official ? ` · ${t('colOfficial')}` : ''),
    el('div', {class: 'note'}, `${t('capturedAt', {time: when(s.captured_time)})} · ${t('acceptedAt', {time: when(version.accepted_time)})}`),
    el('div', {class: 'photo'}, `${t('photoHash')}: `,
       s.photo_sha256 ? el('code', {'data-photo': hexOf(s.photo_sha256)}, hexOf(s.photo_sha256)) : t('noPhoto')),
    ...(version.flags || []).map((f) => el('div', {class: 'flag'}, flagText(f))),
    logView.logUrl ? el('div', {}, el('button', {
      type: 'button', class: 'link', 'data-check': s.submission_id,
      onclick: () => openCheck(s.submission_id)}, t('checkLink'))) : '');
}

section('station', async (read) => {
  const id = state.station;
  if (!id) return;
  const target = document.getElementById('station');
  let results;
  try {
    results = await read('GetStationResults', {station_id: id});
  } catch (e) {
    target.replaceChildren(el('h2', {}, t('stationTitle', {id})),
        el('p', {class: 'error'}, e.code === 'NOT_FOUND' ? t('noSuchStation', {id}) : e.message));
    return;
  }
  const district = areaById(results.station.district_id);
  const region = district && areaById(district.parent_id);
  const parts = [el('h2', {'data-station': results.station.station_id}, t('stationTitle', {id: results.station.station_id})),
    el('p', {}, district ? t('stationIn', {district: areaName(district), region: areaName(region)}) : '',
       ' · ', t('registeredVoters', {n: fmt(results.station.registered_voters)}))];
  for (const c of results.contests || []) {
    const contest = contestOf(c.contest_id);
    const block = el('div', {class: 'station-contest', 'data-contest': c.contest_id},
                     el('h3', {}, i18n.name(contest, c.contest_id)));
    parts.push(block);
    if (!c.counted) {
      block.append(el('p', {}, t('noProtocolYet')));
    } else {
      const votes = (c.counted.figures.option_votes || []).map((v) =>
          el('tr', {'data-option': v.option_id}, el('th', {scope: 'row'}, optionName(contest, v.option_id)),
             el('td', {}, fmt(v.votes))));
      block.append(el('div', {class: 'table-wrap'},
          el('table', {class: 'protocol'}, el('tbody', {}, ...figureRows(c.counted.figures), ...votes))));
    }
    const facts = [t('confirmations', {n: fmt(c.confirmations)})];
    if (c.disputed) facts.push(t('disputedVariants', {n: fmt(c.variants)}));
    facts.push(c.official_submission_id ? t('officialReceived', {id: c.official_submission_id}) : t('noOfficial'));
    block.append(el('p', {class: c.disputed ? 'flag' : '', 'data-confirmations': String(num(c.confirmations))}, facts.join(' ')));
    if ((c.flags || []).length) {
      block.append(el('h4', {}, t('flagsTitle')),
                   el('ul', {class: 'flags'}, ...c.flags.map((f) => el('li', {class: 'flag'}, flagText(f)))));
    }
    // Received: those carried plus those the answer left out for its size (versions_left_out).
    const received = (c.versions || []).length + num(c.versions_left_out);
    block.append(el('p', {}, t('versionsReceived', {n: fmt(received), id: c.counted_submission_id || '–'})),
                 el('ol', {class: 'versions'}, ...(c.versions || []).map((v) =>
                   versionCard(v, c.counted_submission_id, c.official_submission_id))));
  }
  target.replaceChildren(...parts);
});

// --- Views ----------------------------------------------------------------------------------

function showView(view) {
  document.getElementById('dashboard').hidden = view !== 'dashboard';
  document.getElementById('station-view').hidden = view !== 'station';
}

// The hash says what is on screen: #station=<id>, #area=<id>, #check=<submission id>, or
// nothing (the nation).
async function route() {
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('station')) {
    state.station = hash.get('station');
    showView('station');
    await redraw('station');
    window.scrollTo(0, 0);
    document.getElementById('station-view').focus({preventScroll: true});
    return;
  }
  const wasStation = state.station !== null;
  state.station = null;
  showView('dashboard');
  const area = hash.get('area') && areaById(hash.get('area')) ? hash.get('area') : nation().area_id;
  if (area !== state.area) {
    state.area = area;
    await redrawAll(['national', 'map', 'comparison']);
  }
  if (hash.get('check')) checkProtocol(hash.get('check'), true);
  else if (wasStation) document.getElementById('map-section').scrollIntoView({block: 'start'});
}

// Opens the log panel checking one submission.
function openCheck(id) {
  state.station = null;
  showView('dashboard');
  history.pushState(null, '', `#check=${encodeURIComponent(id)}`);
  checkProtocol(id, true);
}

// --- The transparency log -------------------------------------------------------------------

// The transparency log as publication last saw it (GetLogCheckpoint): the checkpoint, where the
// log is and its verifier key. logUrl is empty when no log is configured.
// note, signedWith and signature: the note last checked, the key it was checked with, the outcome.
const logView = {checkpoint: null, logUrl: '', verifierKey: '', note: '', signedWith: '',
                 signature: null};

const shortHex = (bytes) => `${HattamaLog.hex(bytes).slice(0, 16)}…`;

// A value shortened, with the whole of it one keyboard press away.
function longValue(short, full) {
  return el('details', {}, el('summary', {}, el('code', {}, short)), el('code', {}, full));
}

// The log's signature on the panel's checkpoint, checked again only when the note changes:
// {key of the words, why}.
async function logSignature(note, key) {
  if (!key) return {key: 'sigNoKey'};
  try {
    const outcome = await HattamaLog.verifyNote(note, key);
    return {key: outcome === 'verified' ? 'sigVerified' : 'sigNoEd25519'};
  } catch (e) {
    return {key: 'sigBad', why: e.message};
  }
}

function drawCheckpoint(cp, signature) {
  const note = HattamaLog.parseNote(cp.signed_note);
  const root = HattamaLog.fromBase64(cp.root_hash);
  const box = document.getElementById('log-checkpoint');
  box.dataset.treeSize = String(num(cp.tree_size));
  box.dataset.root = cp.root_hash;
  document.getElementById('log-origin').textContent = cp.origin;
  document.getElementById('log-size').textContent = fmt(cp.tree_size);
  document.getElementById('log-root').replaceChildren(longValue(shortHex(root), HattamaLog.hex(root)));
  document.getElementById('log-signer').replaceChildren(
      note.signatures.map((s) => s.name).join(', ') || t('noSignature'),
      ` (${t(signature.key, {why: signature.why})})`);
  const witnesses = cp.cosignatures || [];
  document.getElementById('log-witnesses').replaceChildren(witnesses.length
      ? el('ul', {}, ...witnesses.map((w) => el('li', {'data-witness': w.witness,
                                                       'data-tree-size': String(num(w.tree_size))},
          t('witnessAt', {witness: w.witness, n: fmt(w.tree_size),
                          time: i18n.dateTime(new Date(num(w.timestamp) * 1000))}))))
      : t('noWitness'));
}

section('log', async (read) => {
  const status = document.getElementById('log-status');
  const box = document.getElementById('log-checkpoint');
  let answer;
  try {
    answer = await read('GetLogCheckpoint', {});
  } catch (e) {
    Object.assign(logView, {checkpoint: null, logUrl: '', verifierKey: ''});
    box.hidden = true;
    document.getElementById('log-check').hidden = true;
    // UNAVAILABLE: publication follows no log, or has no checkpoint of it yet (its message says
    // which); an older server has no such method.
    status.textContent = e.code === 'UNAVAILABLE'
        ? t('logUnavailable', {why: e.message.replace(/^UNAVAILABLE: /, '')})
        : e.code === 'UNIMPLEMENTED' || e.code === 'NOT_FOUND'
            ? t('logNotConfigured') : t('logUnreadable', {why: e.message});
    drawLogPosition();
    return;
  }
  const keyInput = document.getElementById('log-key');
  // The visitor's own key (from the operator) stays; only the one filled in is replaced.
  if (!keyInput.value || keyInput.value === logView.verifierKey) keyInput.value = answer.verifier_key || '';
  Object.assign(logView, {logUrl: (answer.log_url || '').replace(/\/+$/, ''),
                          verifierKey: answer.verifier_key || ''});
  document.getElementById('log-check').hidden = !logView.logUrl;
  const cp = answer.checkpoint;
  const links = [el('a', {href: data.href('GetLogCheckpoint', {})}, t('serverView'))];
  if (logView.logUrl) {
    links.push(' · ', el('a', {href: `${logView.logUrl}/tlog/checkpoint`}, t('logsCheckpoint')),
               ' · ', el('a', {href: logView.logUrl}, logView.logUrl));
  }
  document.getElementById('log-links').replaceChildren(...links);
  document.getElementById('log-verifier').replaceChildren(
      logView.verifierKey ? el('code', {}, logView.verifierKey) : t('notStated'));
  if (!cp || !cp.signed_note) {
    logView.checkpoint = null;
    box.hidden = true;
    status.textContent = t('logNoCheckpoint');
  } else {
    try {
      HattamaLog.checkpointOf(cp);
      if (cp.signed_note !== logView.note || keyInput.value !== logView.signedWith) {
        logView.signature = await logSignature(cp.signed_note, keyInput.value.trim());
        logView.note = cp.signed_note;
        logView.signedWith = keyInput.value;
      }
      drawCheckpoint(cp, logView.signature);
      logView.checkpoint = cp;
      box.hidden = false;
      status.textContent = t('logCheckpointAt', {time: i18n.time(new Date())});
    } catch (e) {
      logView.checkpoint = null;
      box.hidden = true;
      status.textContent = t('logMalformed', {why: e.message});
    }
  }
  drawLogPosition();
});

// GET one inclusion proof from the log itself (its HTTP side sends CORS *).
async function inclusionProof(id, treeSize) {
  const params = new URLSearchParams({submission_id: id});
  if (treeSize) params.set('tree_size', String(treeSize));
  const response = await fetch(`${logView.logUrl}/v1/GetInclusionProof?${params}`);
  const body = await response.json().catch(() => ({}));
  return {status: response.status, body};
}

// A log check's name in the visitor's language; its details come from logcheck.js in English
// (they quote hashes and sizes).
const checkName = (name) => (i18n.has(`check:${name}`) ? t(`check:${name}`) : name);

function checkList(checks) {
  const mark = {true: ['ok', '✓'], false: ['bad', '✗'], null: ['', '–']};
  return el('ul', {class: 'check-list'}, ...checks.map((c) => {
    const [cls, sign] = mark[String(c.ok)];
    return el('li', {'data-check': c.name, 'data-ok': String(c.ok), class: cls},
              `${sign} ${checkName(c.name)}: ${c.detail || ''}`);
  }));
}

// The protocol of a verified entry, as the log decoded its record (its submission id is held to
// the entry's bytes by the "decoded fields" check).
function entryProtocol(entry) {
  const record = entry.record || {};
  const s = record.submission || {};
  const p = s.protocol || {};
  const contest = contestOf(p.contest_id);
  const parts = [el('h4', {}, `${p.station_id || '?'} · ${contest ? i18n.name(contest) : p.contest_id || '?'}`),
    el('p', {}, t('entryBy', {id: s.submission_id, observer: s.observer_id || '–',
                              org: s.organisation_id || t('noOrganisation'), hub: s.hub_id || '–',
                              revision: num(s.revision),
                              source: t(s.source === 'SOURCE_OFFICIAL' ? 'sourceOfficial' : 'sourceObserver'),
                              retraction: s.retraction ? `, ${t('retraction')}` : '',
                              time: when(record.accepted_time)}))];
  if (!entry.record) parts.push(el('p', {}, t('entryNoRecord')));
  const figures = p.figures || {};
  const votes = (figures.option_votes || []).map((v) =>
      el('tr', {}, el('td', {}, optionName(contest, v.option_id)), el('td', {}, fmt(v.votes))));
  if (entry.record) parts.push(el('table', {class: 'protocol'}, el('tbody', {}, ...figureRows(figures), ...votes)));
  for (const f of record.flags || []) parts.push(el('p', {class: 'flag'}, flagText(f)));
  return parts;
}

// Checks that the log holds `id`: the proof for the portal's checkpoint (or, for an entry newer
// than it, for the log's latest), verified here; shows every check and the entry's protocol.
async function checkProtocol(id, scroll) {
  const target = document.getElementById('log-result');
  document.getElementById('log-submission').value = id;
  if (scroll) document.getElementById('log').scrollIntoView({behavior: 'smooth', block: 'start'});
  const show = (outcome, ...parts) => { target.dataset.outcome = outcome; target.replaceChildren(...parts); };
  if (!logView.logUrl) {
    show('unavailable', el('p', {class: 'verdict'}, t('checkNoLog')));
    return;
  }
  show('checking', el('p', {}, t('checking', {id})));
  try {
    const cp = logView.checkpoint;
    let answer = await inclusionProof(id, cp ? num(cp.tree_size) : 0);
    if (answer.status === 404 && cp) answer = await inclusionProof(id, 0);
    if (answer.status === 404) {
      show('not-found', el('p', {class: 'verdict bad'}, t('notInLogLeaf', {id})),
           el('p', {class: 'note'}, answer.body.message || ''));
      return;
    }
    if (answer.status !== 200) {
      throw new Error(`the log answered HTTP ${answer.status}: ${answer.body.message || ''}`);
    }
    const result = await HattamaLog.checkInclusion(answer.body, {
      submissionId: id, checkpoint: cp, verifierKey: document.getElementById('log-key').value.trim()});
    target.dataset.leafIndex = String(result.index);
    target.dataset.treeSize = String(result.size);
    const others = answer.body.other_leaf_indexes || [];
    show(result.verified ? 'verified' : 'not-verified',
         result.verified
           ? el('p', {class: 'verdict ok'}, t('verifiedLeaf', {id, i: fmt(result.index), n: fmt(result.size)}),
                longValue(`${result.root.slice(0, 16)}…`, result.root))
           : el('p', {class: 'verdict bad'}, t('notVerified', {names: result.failed.map((c) => checkName(c.name)).join(', ')})),
         checkList(result.checks),
         others.length ? el('p', {class: 'note'}, t('alsoLeaf', {list: others.join(', ')})) : '',
         ...(result.verified ? entryProtocol(answer.body.entry) : []));
  } catch (e) {
    show('error', el('p', {class: 'verdict bad'}, t('cannotCheck', {id, why: e.message})));
  }
}

// --- Start ----------------------------------------------------------------------------------

// Every word of the page in the language chosen; the drawn parts are drawn again.
function applyLanguage() {
  document.documentElement.lang = i18n.lang;
  i18n.translate(document);
  document.title = t('title');
  drawLanguages();
  if (!state.election) return;
  drawContests();
  setLive(live.mode);
  drawFooter();
  redrawAll();
}

function drawFooter() {
  const files = data.mode === 'files';
  const link = files ? el('a', {href: data.indexUrl}, data.indexUrl) : el('code', {}, '/v1/…');
  const [before, after] = t(files ? 'openDataFiles' : 'openDataApi', {index: '\u0000', api: '\u0000'}).split('\u0000');
  document.getElementById('open-data').replaceChildren(before, link, after);
  // The exports are publication's own (/export/); a web server of the files has none.
  document.getElementById('exports-line').hidden = files;
  document.getElementById('exports').replaceChildren(...(files ? [] : state.election.contests.flatMap((c, i) => [
    i ? ' · ' : '', `${i18n.name(c, c.contest_id)} `,
    el('a', {href: `/export/${c.contest_id}.csv`}, 'CSV'), ' ',
    el('a', {href: `/export/${c.contest_id}.jsonl`}, 'JSON Lines')])));
}

async function main() {
  applyLanguage();
  document.getElementById('contest-name').textContent = t('loading');
  document.getElementById('log-status').textContent = t('loading');
  document.getElementById('areas-title').textContent = t('regions');
  i18n.onChange(applyLanguage);
  const mode = await data.start();
  state.election = await data.read('GetElection', {});
  state.contest = state.election.contests[0].contest_id;
  state.area = nation().area_id;
  drawContests();
  drawFooter();
  document.getElementById('measure').addEventListener('change', (event) => {
    state.measure = event.target.value;
    redraw('map');
  });
  document.getElementById('station-form').addEventListener('submit', (event) => {
    event.preventDefault();
    location.hash = `station=${encodeURIComponent(document.getElementById('station-id').value.trim())}`;
  });
  document.getElementById('station-back').addEventListener('click', (event) => {
    event.preventDefault();
    // Back where the visitor came from when that was this page; the nation otherwise.
    if (state.cameFromDashboard) history.back();
    else location.hash = '';
  });
  document.getElementById('log-form').addEventListener('submit', (event) => {
    event.preventDefault();
    checkProtocol(document.getElementById('log-submission').value.trim());
  });
  window.addEventListener('hashchange', () => {
    state.cameFromDashboard = true;
    route();
  });
  await redraw('log');
  if (mode === 'files') {
    setLive('files');
    const poll = () => pollIndex().catch(() => {}).finally(() => setTimeout(poll, INDEX_POLL_MS));
    setTimeout(poll, INDEX_POLL_MS);
  } else {
    watch();
    setInterval(apiTick, REFRESH_MS);
  }
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('area') && areaById(hash.get('area'))) state.area = hash.get('area');
  await Promise.all([redrawAll(['national', 'map', 'progress', 'seats', 'pvt', 'comparison', 'deployment', 'observers', 'reforms']), route()]);
}

main().catch((e) => {
  document.getElementById('contest-name').textContent = t('cannotReach', {why: e.message});
});
