// The Hattama portal: reads the publication HTTP/JSON API (/v1/<Method>) and draws it. No build
// step, no framework: one file a person can read.
'use strict';

const THRESHOLD = 7;  // percent of valid votes; the Mazhilis party-list threshold
const REFRESH_MS = 5000;

const state = { election: null, contest: null, area: null };

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
    onclick: () => { state.contest = c.contest_id; drawContests(); refresh(true); },
  }, c.name || c.contest_id)));
}

function drawNational(totals) {
  const contest = state.election.contests.find((c) => c.contest_id === state.contest);
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

async function drawAreas() {
  const area = areaById(state.area);
  const children = childrenOf(state.area);
  const crumbs = [];
  for (let a = area; a; a = a.parent_id ? areaById(a.parent_id) : null) crumbs.unshift(a);
  document.getElementById('breadcrumb').replaceChildren(...crumbs.flatMap((a, i) => [
    i ? ' › ' : '',
    i === crumbs.length - 1 ? (a.name || a.area_id)
        : el('a', {onclick: () => { state.area = a.area_id; refresh(); }}, a.name || a.area_id),
  ]));
  document.getElementById('areas-title').textContent =
      children.length && children[0].kind === 'AREA_KIND_DISTRICT' ? 'Districts' : 'Regions';
  const rows = await Promise.all(children.map(async (child) => {
    try {
      const t = await api('GetAreaTotals', {area_id: child.area_id, contest_id: state.contest});
      if (num(t.stations_registered) === 0) return null;  // the contest is not held here
      const leader = [...t.options].sort((a, b) => num(b.votes) - num(a.votes))[0];
      return el('tr', {'data-area': child.area_id,
                       onclick: () => {
                         if (childrenOf(child.area_id).length) {
                           state.area = child.area_id;
                           refresh();
                         }
                       }},
        el('td', {}, child.name || child.area_id),
        el('td', {}, `${fmt(t.stations_reporting)} / ${fmt(t.stations_registered)}`),
        el('td', {}, pct(t.turnout_percent)),
        el('td', {}, num(leader && leader.votes) ? `${leader.name} ${pct(leader.share_percent)}` : '–'),
        el('td', {}, fmt(t.flagged_count)));
    } catch (e) {
      return el('tr', {}, el('td', {class: 'error', colspan: '5'}, `${child.area_id}: ${e.message}`));
    }
  }));
  document.querySelector('#areas tbody').replaceChildren(...rows.filter(Boolean));
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

async function refresh(forcePvt) {
  try {
    const totals = await api('GetAreaTotals', {area_id: state.area, contest_id: state.contest});
    drawNational(totals);
    await Promise.all([drawAreas(), drawSeats(), drawPvt(forcePvt)]);
  } catch (e) {
    document.getElementById('contest-name').textContent = `Cannot load results: ${e.message}`;
  }
}

function figureRows(figures) {
  const names = ['registered_voters', 'ballots_received', 'ballots_issued', 'ballots_cancelled',
                 'ballots_in_box', 'ballots_spoiled', 'ballots_valid'];
  return names.filter((n) => n in figures).map((n) =>
      el('tr', {}, el('td', {}, n.replace(/_/g, ' ')), el('td', {}, fmt(figures[n]))));
}

async function showStation(id) {
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
  await refresh(true);
  setInterval(() => refresh(false), REFRESH_MS);
}

main().catch((e) => {
  document.getElementById('contest-name').textContent = `Cannot reach the API: ${e.message}`;
});
