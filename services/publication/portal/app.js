// The Hattama portal: reads the publication HTTP/JSON API (/v1/<Method>) and draws it. No build
// step, no framework: one file a person can read.
'use strict';

const THRESHOLD = 7;  // percent of valid votes; the Mazhilis party-list threshold
const REFRESH_MS = 5000;  // polling, when Server-Sent Events are not available
// With live events the totals arrive by themselves; the rest (seats, comparison, deployment, the
// estimate) is still read this often.
const SIDE_REFRESH_MS = 5000;

const state = { election: null, contest: null, area: null };
// How updates arrive: 'sse' while the /v1/Watch event stream is open, 'polling' otherwise
// (shown on <body data-live>, so that a test can tell which path it saw).
const live = { source: null, mode: 'polling' };
// After the browser gave up on the event stream, how long until it is opened again.
const SSE_RETRY_MS = 30000;

async function api(method, params) {
  const query = new URLSearchParams(params || {}).toString();
  const response = await fetch(`/v1/${method}${query ? '?' + query : ''}`);
  const body = await response.json();
  if (!response.ok) throw new Error(`${body.code}: ${body.message}`);
  return body;
}

const num = (v) => Number(v || 0);
const pct = (v) => `${num(v).toFixed(2)} %`;
const fmt = (v) => num(v).toLocaleString('en-US');

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

function drawContests() {
  const nav = document.getElementById('contests');
  nav.replaceChildren(...state.election.contests.map((c) => el('button', {
    'aria-pressed': String(c.contest_id === state.contest),
    'data-contest': c.contest_id,
    onclick: () => { state.contest = c.contest_id; drawContests(); watch(); refresh(true); },
  }, c.name || c.contest_id)));
}

function currentContest() {
  return state.election.contests.find((c) => c.contest_id === state.contest);
}

function drawNational(totals) {
  const contest = currentContest();
  const area = areaById(state.area);
  document.getElementById('contest-name').textContent =
      `${contest.name || contest.contest_id} — ${area.name || area.area_id}`;
  document.getElementById('turnout').textContent = pct(totals.turnout_percent);
  document.getElementById('spoiled').textContent = pct(totals.spoiled_percent);
  document.getElementById('coverage').textContent =
      `${fmt(totals.stations_reporting)} of ${fmt(totals.stations_registered)}`;
  document.getElementById('flagged').textContent = fmt(totals.flagged_count);
  const options = [...totals.options].sort((a, b) => num(b.votes) - num(a.votes));
  const scale = Math.max(THRESHOLD * 1.5, ...options.map((o) => num(o.share_percent))) * 1.05;
  document.getElementById('bars').replaceChildren(...options.map((o) => {
    const share = num(o.share_percent);
    return el('div', {class: `bar${share < THRESHOLD ? ' below' : ''}`, role: 'listitem',
                      'data-option': o.option_id},
      el('span', {class: 'name'}, o.name || o.option_id),
      el('div', {class: 'track'},
        el('div', {class: 'fill', style: `width:${(100 * share / scale).toFixed(2)}%`}),
        el('div', {class: 'threshold', style: `left:${(100 * THRESHOLD / scale).toFixed(2)}%`})),
      el('span', {class: 'pct', title: `${fmt(o.votes)} votes`}, pct(share)));
  }));
  document.getElementById('updated').textContent =
      `Updated ${new Date().toLocaleTimeString()}.`;
}

function leaderOf(options) {
  const leader = [...options].sort((a, b) => num(b.votes) - num(a.votes))[0];
  return num(leader && leader.votes) ? `${leader.name || leader.option_id} ${pct(leader.share_percent)}` : '–';
}

// One row of the region or district table, from that area's AreaTotals.
function areaRow(child, t) {
  return el('tr', {'data-area': child.area_id,
                   onclick: () => { state.area = child.area_id; refresh(); }},
    el('td', {}, child.name || child.area_id),
    el('td', {}, `${fmt(t.stations_reporting)} / ${fmt(t.stations_registered)}`),
    el('td', {}, pct(t.turnout_percent)),
    el('td', {}, leaderOf(t.options)),
    el('td', {}, fmt(t.flagged_count)));
}

function drawBreadcrumb() {
  const crumbs = [];
  for (let a = areaById(state.area); a; a = a.parent_id ? areaById(a.parent_id) : null) crumbs.unshift(a);
  document.getElementById('breadcrumb').replaceChildren(...crumbs.flatMap((a, i) => [
    i ? ' › ' : '',
    i === crumbs.length - 1 ? (a.name || a.area_id)
        : el('a', {onclick: () => { state.area = a.area_id; refresh(); }}, a.name || a.area_id),
  ]));
}

async function drawAreas() {
  drawBreadcrumb();
  const children = childrenOf(state.area);
  const district = children.length === 0;
  document.getElementById('areas').hidden = district;
  document.getElementById('stations').hidden = !district;
  if (district) {
    document.getElementById('areas-title').textContent = 'Stations';
    await drawStations();
    return;
  }
  document.getElementById('areas-title').textContent =
      children[0].kind === 'AREA_KIND_DISTRICT' ? 'Districts' : 'Regions';
  const rows = await Promise.all(children.map(async (child) => {
    try {
      const t = await api('GetAreaTotals', {area_id: child.area_id, contest_id: state.contest});
      if (num(t.stations_registered) === 0) return null;  // the contest is not held here
      return areaRow(child, t);
    } catch (e) {
      return el('tr', {}, el('td', {class: 'error', colspan: '5'}, `${child.area_id}: ${e.message}`));
    }
  }));
  document.querySelector('#areas tbody').replaceChildren(...rows.filter(Boolean));
}

// The stations of the district on screen, every page of ListStations.
async function drawStations() {
  const summaries = [];
  let token = '';
  do {
    const page = await api('ListStations', {area_id: state.area, contest_id: state.contest,
                                            page_token: token});
    summaries.push(...(page.stations || []));
    token = page.next_page_token;
  } while (token);
  const contest = currentContest();
  const optionName = (id) => {
    const o = contest.options.find((x) => x.option_id === id);
    return o ? o.name || id : id;
  };
  document.querySelector('#stations tbody').replaceChildren(...summaries.map((s) => {
    const id = s.station.station_id;
    let turnout = '–', leader = 'not reported';
    if (s.counted) {
      const f = s.counted;
      const registered = num(f.registered_voters) || num(s.station.registered_voters);
      turnout = registered ? pct(100 * num(f.ballots_in_box) / registered) : '–';
      const top = [...(f.option_votes || [])].sort((a, b) => num(b.votes) - num(a.votes))[0];
      leader = top && num(f.ballots_valid)
          ? `${optionName(top.option_id)} ${pct(100 * num(top.votes) / num(f.ballots_valid))}` : '–';
    }
    const flags = (s.flags || []).length;
    return el('tr', {'data-station': id, class: s.counted ? '' : 'pending',
                     onclick: () => showStation(id, true)},
      el('td', {}, id),
      el('td', {}, turnout),
      el('td', {}, leader),
      el('td', {class: flags ? 'flag' : ''}, flags ? `⚑ ${flags}` : '–'),
      el('td', {class: s.disputed ? 'flag' : ''},
         s.disputed ? `disputed (${fmt(s.confirmations)} confirm)` : (s.counted ? `${fmt(s.confirmations)} confirm` : '')),
      el('td', {}, s.official ? 'yes' : '–'));
  }));
}

async function drawSeats() {
  const [at7, at3] = await Promise.all([
    api('GetSeats', {contest_id: state.contest, area_id: state.area, threshold_percent: 7}),
    api('GetSeats', {contest_id: state.contest, area_id: state.area, threshold_percent: 3})]);
  const seats3 = Object.fromEntries(at3.options.map((o) => [o.option_id, o.seats]));
  const rows = [...at7.options].sort((a, b) => num(b.votes) - num(a.votes)).map((o) =>
      el('tr', {'data-option': o.option_id},
        el('td', {}, o.name || o.option_id), el('td', {}, pct(o.share_percent)),
        el('td', {}, String(o.seats)), el('td', {}, String(seats3[o.option_id]))));
  document.querySelector('#seats tbody').replaceChildren(...rows);
}

// The estimate reads every reporting station's protocol: refreshed less often than the totals.
const PVT_REFRESH_MS = 30000;
let pvtAt = 0;
async function drawPvt(force) {
  if (!force && Date.now() - pvtAt < PVT_REFRESH_MS) return;
  pvtAt = Date.now();
  const e = await api('GetPvtEstimate', {contest_id: state.contest});
  document.getElementById('pvt-note').textContent =
      `Estimated from ${fmt(e.stations_sampled)} of ${fmt(e.stations_registered)} stations in ` +
      `${e.regions_sampled} of ${e.regions_total} regions, with the 95 % margin of error ` +
      '(ratio estimator stratified by region).';
  document.querySelector('#pvt tbody').replaceChildren(...[...e.options]
      .sort((a, b) => num(b.share_percent) - num(a.share_percent))
      .map((o) => el('tr', {}, el('td', {}, o.name || o.option_id),
                     el('td', {}, pct(o.share_percent)),
                     el('td', {}, `± ${num(o.margin_percent).toFixed(2)} pt`))));
}

// Official results against the observers' for the area on screen, and the largest differences
// anywhere.
async function drawComparison() {
  const params = {area_id: state.area, contest_id: state.contest};
  const [observed, official, listed] = await Promise.all([
    api('GetAreaTotals', params), api('GetOfficialTotals', params),
    api('ListDiscrepancies', {contest_id: state.contest, limit: 10})]);
  const shares = Object.fromEntries((official.options || []).map((o) => [o.option_id, o]));
  const diff = (a, b) => { const d = num(a) - num(b); return `${d > 0 ? '+' : ''}${d.toFixed(2)} pt`; };
  const rows = [
    el('tr', {'data-row': 'reporting'}, el('td', {}, 'Stations reporting'),
       el('td', {}, fmt(observed.stations_reporting)), el('td', {}, fmt(official.stations_reporting)), el('td', {}, '')),
    el('tr', {'data-row': 'turnout'}, el('td', {}, 'Turnout'), el('td', {}, pct(observed.turnout_percent)),
       el('td', {}, pct(official.turnout_percent)), el('td', {}, diff(official.turnout_percent, observed.turnout_percent))),
    ...[...observed.options].sort((a, b) => num(b.votes) - num(a.votes)).map((o) => {
      const off = shares[o.option_id] || {};
      return el('tr', {'data-option': o.option_id}, el('td', {}, o.name || o.option_id),
                el('td', {}, pct(o.share_percent)), el('td', {}, pct(off.share_percent)),
                el('td', {}, diff(off.share_percent, o.share_percent)));
    })];
  document.querySelector('#comparison tbody').replaceChildren(...rows);
  document.getElementById('discrepancy-note').textContent =
      `${fmt(listed.total_count)} areas and stations where the official figures differ; the largest:`;
  document.querySelector('#discrepancies tbody').replaceChildren(...(listed.discrepancies || []).map((d) => {
    const station = d.kind === 'AREA_KIND_STATION';
    const area = station ? null : areaById(d.area_id);
    const largest = [...(d.option_differences || [])].sort((a, b) => Math.abs(num(b.votes)) - Math.abs(num(a.votes)))[0];
    return el('tr', {'data-discrepancy': d.area_id,
                     onclick: () => { if (station) showStation(d.area_id, true); else { state.area = d.area_id; refresh(); } }},
      el('td', {}, station ? `station ${d.area_id}` : (area ? area.name || d.area_id : d.area_id)),
      el('td', {}, fmt(d.magnitude)),
      el('td', {}, `${num(d.ballots_in_box_difference) > 0 ? '+' : ''}${fmt(d.ballots_in_box_difference)}`),
      el('td', {}, largest ? `${largest.name || largest.option_id} ${num(largest.votes) > 0 ? '+' : ''}${fmt(largest.votes)}` : '–'));
  }));
}

const DEPLOYMENT_COLUMNS = ['mandates_sent', 'mandates_handed_out', 'observers_admitted',
  'observers_refused', 'observers_removed', 'stations_covered', 'protocols_obtained',
  'protocols_refused', 'protocols_confiscated', 'protocols_not_obtained'];

async function drawDeployment() {
  const table = await api('GetDeploymentTable', {});
  const row = (f, cls) => el('tr', {'data-area': f.area_id, class: cls || ''},
      el('td', {}, f.name || f.area_id), ...DEPLOYMENT_COLUMNS.map((c) => el('td', {'data-column': c}, fmt(f[c]))));
  document.querySelector('#deployment tbody').replaceChildren(
      row(table.nation, 'total'), ...(table.regions || []).map((r) => row(r)));
}

// Seats, the comparison and deployment: no event carries them, so they are read every
// SIDE_REFRESH_MS whether the totals arrive by events or by polling.
async function drawSide() {
  await Promise.all([drawSeats(), drawComparison(), drawDeployment()]);
}

async function refresh(forcePvt) {
  try {
    const totals = await api('GetAreaTotals', {area_id: state.area, contest_id: state.contest});
    drawNational(totals);
    await Promise.all([drawAreas(), drawSide(), drawPvt(forcePvt)]);
  } catch (e) {
    document.getElementById('contest-name').textContent = `Cannot load results: ${e.message}`;
  }
}

// One live event: the totals of one area. The area on screen is redrawn; a row of the table
// below it is replaced.
function onTotals(totals) {
  if (totals.contest_id !== state.contest || !totals.area) return;
  const id = totals.area.area_id;
  if (id === state.area) {
    drawNational(totals);
    if (!childrenOf(id).length) drawStations().catch(() => {});  // a station of it changed
  } else if (areaById(id) && areaById(id).parent_id === state.area) {
    const old = document.querySelector(`#areas tbody tr[data-area="${CSS.escape(id)}"]`);
    if (old) old.replaceWith(areaRow(areaById(id), totals));
  }
}

function setLive(mode) {
  live.mode = mode;
  document.body.dataset.live = mode;
  document.getElementById('live-mode').textContent =
      mode === 'sse' ? 'Live: updates arrive as they are counted.' : `Refreshed every ${REFRESH_MS / 1000} s.`;
}

// Server-Sent Events from /v1/Watch when the browser and the server have them; polling otherwise,
// and whenever the stream is down (the browser reconnects by itself; polling covers the gap).
function watch() {
  if (live.source) live.source.close();
  live.source = null;
  setLive('polling');
  if (!('EventSource' in window)) return;
  const source = new EventSource(`/v1/Watch?contest_id=${encodeURIComponent(state.contest)}`);
  live.source = source;
  source.addEventListener('open', () => { setLive('sse'); refresh(false); });
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

function figureRows(figures) {
  const names = ['registered_voters', 'ballots_received', 'ballots_issued', 'ballots_cancelled',
                 'ballots_in_box', 'ballots_spoiled', 'ballots_valid'];
  return names.filter((n) => n in figures).map((n) =>
      el('tr', {}, el('td', {}, n.replace(/_/g, ' ')), el('td', {}, fmt(figures[n]))));
}

async function showStation(id, scroll) {
  const target = document.getElementById('station');
  try {
    const results = await api('GetStationResults', {station_id: id});
    const district = areaById(results.station.district_id);
    const parts = [el('h3', {}, `${results.station.station_id} — ${district ? district.name : ''}`),
                   el('p', {}, `${fmt(results.station.registered_voters)} registered voters`)];
    for (const c of results.contests || []) {
      const contest = state.election.contests.find((x) => x.contest_id === c.contest_id);
      parts.push(el('h4', {}, contest ? contest.name : c.contest_id));
      if (!c.counted) { parts.push(el('p', {}, 'No protocol received yet.')); continue; }
      const votes = (c.counted.figures.option_votes || []).map((v) => {
        const option = contest && contest.options.find((o) => o.option_id === v.option_id);
        return el('tr', {}, el('td', {}, option ? option.name : v.option_id), el('td', {}, fmt(v.votes)));
      });
      parts.push(el('table', {class: 'protocol'}, el('tbody', {}, ...figureRows(c.counted.figures), ...votes)));
      for (const f of c.flags || []) parts.push(el('p', {class: 'flag'}, `⚑ ${f.message} (${f.field})`));
      parts.push(el('p', {}, `${(c.versions || []).length} version(s) received; counted: ${c.counted_submission_id}`));
      for (const v of c.versions || []) {
        const s = v.submission || {};
        parts.push(el('div', {class: 'version'},
          `${s.submission_id} by observer ${s.observer_id} (${s.organisation_id || 'no organisation'}), `,
          `revision ${s.revision || 0}, ${s.source === 'SOURCE_OFFICIAL' ? 'official' : 'observer copy'}`,
          s.photo_sha256 ? el('div', {}, el('code', {}, `photo ${atob(s.photo_sha256).split('').map((ch) => ch.charCodeAt(0).toString(16).padStart(2, '0')).join('')}`)) : ''));
      }
    }
    target.replaceChildren(...parts);
    location.hash = `station=${encodeURIComponent(id)}`;
    if (scroll) target.scrollIntoView({behavior: 'smooth', block: 'start'});
  } catch (e) {
    target.replaceChildren(el('p', {class: 'error'}, e.message));
  }
}

async function main() {
  state.election = await api('GetElection');
  state.contest = state.election.contests[0].contest_id;
  state.area = nation().area_id;
  drawContests();
  document.getElementById('exports').replaceChildren(...state.election.contests.flatMap((c, i) => [
    i ? ' · ' : '', `${c.name || c.contest_id} `,
    el('a', {href: `/export/${c.contest_id}.csv`}, 'CSV'), ' ',
    el('a', {href: `/export/${c.contest_id}.jsonl`}, 'JSON Lines')]));
  document.getElementById('station-form').addEventListener('submit', (event) => {
    event.preventDefault();
    showStation(document.getElementById('station-id').value.trim());
  });
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('station')) showStation(hash.get('station'));
  watch();
  await refresh(true);
  setInterval(() => { if (live.mode !== 'sse') refresh(false); }, REFRESH_MS);
  setInterval(() => {
    if (live.mode === 'sse') Promise.all([drawSide(), drawPvt(false)]).catch(() => {});
  }, SIDE_REFRESH_MS);
}

main().catch((e) => {
  document.getElementById('contest-name').textContent = `Cannot reach the API: ${e.message}`;
});
