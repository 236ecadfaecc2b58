// The Hattama portal: reads the publication HTTP/JSON API (/v1/<Method>) and draws it. No build
// step, no framework: one file a person can read.
'use strict';

const THRESHOLD = 7;  // percent of valid votes; the Mazhilis party-list threshold
const REFRESH_MS = 5000;  // polling, when Server-Sent Events are not available
// With live events the totals arrive by themselves; the rest (seats, comparison, deployment, the
// estimate) is still read this often.
const SIDE_REFRESH_MS = 5000;

// position: the log position of the totals on screen (AreaTotals.log_position).
const state = { election: null, contest: null, area: null, position: null };
// How updates arrive: 'sse' while the /v1/Watch event stream is open, 'polling' otherwise
// (shown on <body data-live>, so that a test can tell which path it saw).
const live = { source: null, mode: 'polling' };
// After the browser gave up on the event stream, how long until it is opened again.
const SSE_RETRY_MS = 30000;

async function api(method, params) {
  const query = new URLSearchParams(params || {}).toString();
  const response = await fetch(`/v1/${method}${query ? '?' + query : ''}`);
  const body = await response.json();
  if (!response.ok) throw Object.assign(new Error(`${body.code}: ${body.message}`), {code: body.code});
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
  state.position = totals.log_position || {};
  drawLogPosition();
}

// The tree size the totals on screen were computed at: a recount of the log's first N leaves
// gives them exactly (README "Checking Hattama's figures yourself").
function drawLogPosition() {
  const size = num(state.position && state.position.tree_size);
  const target = document.getElementById('log-position');
  target.dataset.treeSize = String(size);
  if (size) target.textContent = `Recountable at log size ${fmt(size)}.`;
  else target.textContent = logView.logUrl ? 'Not yet in the log.' : '';
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

// Seats, the comparison, deployment and the log's checkpoint: no event carries them, so they are
// read every SIDE_REFRESH_MS whether the totals arrive by events or by polling.
async function drawSide() {
  await Promise.all([drawSeats(), drawComparison(), drawDeployment(), drawLog()]);
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
          s.photo_sha256 ? el('div', {}, el('code', {}, `photo ${atob(s.photo_sha256).split('').map((ch) => ch.charCodeAt(0).toString(16).padStart(2, '0')).join('')}`)) : '',
          logView.logUrl ? el('div', {}, el('button', {
            type: 'button', class: 'link', 'data-check': s.submission_id,
            onclick: () => checkProtocol(s.submission_id, true)}, 'check in the log')) : ''));
      }
    }
    target.replaceChildren(...parts);
    location.hash = `station=${encodeURIComponent(id)}`;
    if (scroll) target.scrollIntoView({behavior: 'smooth', block: 'start'});
  } catch (e) {
    target.replaceChildren(el('p', {class: 'error'}, e.message));
  }
}

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

// The log's signature on the panel's checkpoint, checked again only when the note changes.
async function logSignature(note, key) {
  if (!key) return 'no verifier key stated: check the note with the operator\'s key';
  try {
    const outcome = await HattamaLog.verifyNote(note, key);
    return outcome === 'verified' ? 'signature verified in this browser with the verifier key'
        : 'this browser has no Ed25519: hattama-verify checks the signature';
  } catch (e) {
    return `signature NOT verified: ${e.message}`;
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
      note.signatures.map((s) => s.name).join(', ') || 'no signature', ` (${signature})`);
  const witnesses = cp.cosignatures || [];
  document.getElementById('log-witnesses').replaceChildren(witnesses.length
      ? el('ul', {}, ...witnesses.map((w) => el('li', {'data-witness': w.witness,
                                                       'data-tree-size': String(num(w.tree_size))},
          `${w.witness}: tree size ${fmt(w.tree_size)} at ` +
          `${new Date(num(w.timestamp) * 1000).toISOString().replace('.000Z', 'Z')}`)))
      : 'no witness has cosigned yet');
}

async function drawLog() {
  const status = document.getElementById('log-status');
  const box = document.getElementById('log-checkpoint');
  let answer;
  try {
    answer = await api('GetLogCheckpoint');
  } catch (e) {
    Object.assign(logView, {checkpoint: null, logUrl: '', verifierKey: ''});
    box.hidden = true;
    document.getElementById('log-check').hidden = true;
    // UNAVAILABLE: publication follows no log, or has no checkpoint of it yet (its message says
    // which); an older server has no such method.
    status.textContent = e.code === 'UNAVAILABLE'
        ? `No transparency log available: ${e.message.replace(/^UNAVAILABLE: /, '')}`
        : e.code === 'UNIMPLEMENTED' || e.code === 'NOT_FOUND'
            ? 'No transparency log configured on this server.'
            : `The log's checkpoint cannot be read: ${e.message}`;
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
  const links = [el('a', {href: '/v1/GetLogCheckpoint'}, 'this server\'s view (JSON)')];
  if (logView.logUrl) {
    links.push(' · ', el('a', {href: `${logView.logUrl}/tlog/checkpoint`}, 'the log\'s checkpoint'),
               ' · ', el('a', {href: logView.logUrl}, logView.logUrl));
  }
  document.getElementById('log-links').replaceChildren(...links);
  document.getElementById('log-verifier').replaceChildren(
      logView.verifierKey ? el('code', {}, logView.verifierKey) : 'not stated');
  if (!cp || !cp.signed_note) {
    logView.checkpoint = null;
    box.hidden = true;
    status.textContent = 'This server has not seen a checkpoint of the log yet.';
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
      status.textContent = `Checkpoint as this server last read it from the log, ` +
          `${new Date().toLocaleTimeString()}.`;
    } catch (e) {
      logView.checkpoint = null;
      box.hidden = true;
      status.textContent = `The checkpoint this server gives is malformed: ${e.message}`;
    }
  }
  drawLogPosition();
}

// GET one inclusion proof from the log itself (its HTTP side sends CORS *).
async function inclusionProof(id, treeSize) {
  const params = new URLSearchParams({submission_id: id});
  if (treeSize) params.set('tree_size', String(treeSize));
  const response = await fetch(`${logView.logUrl}/v1/GetInclusionProof?${params}`);
  const body = await response.json().catch(() => ({}));
  return {status: response.status, body};
}

function checkList(checks) {
  const mark = {true: ['ok', '✓'], false: ['bad', '✗'], null: ['', '–']};
  return el('ul', {class: 'check-list'}, ...checks.map((c) => {
    const [cls, sign] = mark[String(c.ok)];
    return el('li', {'data-check': c.name, 'data-ok': String(c.ok), class: cls},
              `${sign} ${c.name}: ${c.detail || ''}`);
  }));
}

// The protocol of a verified entry, as the log decoded its record (its submission id is held to
// the entry's bytes by the "decoded fields" check).
function entryProtocol(entry) {
  const record = entry.record || {};
  const s = record.submission || {};
  const p = s.protocol || {};
  const contest = state.election.contests.find((c) => c.contest_id === p.contest_id);
  const optionName = (id) => {
    const option = contest && contest.options.find((o) => o.option_id === id);
    return option ? option.name || id : id;
  };
  const parts = [el('h4', {}, `${p.station_id || '?'} · ${contest ? contest.name : p.contest_id || '?'}`),
    el('p', {}, `${s.submission_id} by observer ${s.observer_id || '–'} ` +
                `(${s.organisation_id || 'no organisation'}) via ${s.hub_id || '–'}, revision ` +
                `${s.revision || 0}, ${s.source === 'SOURCE_OFFICIAL' ? 'official' : 'observer copy'}` +
                `${s.retraction ? ', a retraction' : ''}; accepted ${record.accepted_time || '–'}.`)];
  if (!entry.record) parts.push(el('p', {}, 'The record is not in the entry: only its SHA-256 is logged.'));
  const figures = p.figures || {};
  const votes = (figures.option_votes || []).map((v) =>
      el('tr', {}, el('td', {}, optionName(v.option_id)), el('td', {}, fmt(v.votes))));
  if (entry.record) parts.push(el('table', {class: 'protocol'}, el('tbody', {}, ...figureRows(figures), ...votes)));
  for (const f of record.flags || []) parts.push(el('p', {class: 'flag'}, `⚑ ${f.message || f.code} (${f.field || ''})`));
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
    show('unavailable', el('p', {class: 'verdict'}, 'No transparency log is configured on this server.'));
    return;
  }
  show('checking', el('p', {}, `Checking ${id}…`));
  try {
    const cp = logView.checkpoint;
    let answer = await inclusionProof(id, cp ? num(cp.tree_size) : 0);
    if (answer.status === 404 && cp) answer = await inclusionProof(id, 0);
    if (answer.status === 404) {
      show('not-found', el('p', {class: 'verdict bad'}, `Not in the log: no leaf carries ${id}.`),
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
           ? el('p', {class: 'verdict ok'}, `Verified: ${id} is leaf ${fmt(result.index)} of the tree ` +
                `of size ${fmt(result.size)}, root `, longValue(`${result.root.slice(0, 16)}…`, result.root))
           : el('p', {class: 'verdict bad'}, `Not verified: ${result.failed.map((c) => c.name).join(', ')} ` +
                'failed. Do not trust this answer.'),
         checkList(result.checks),
         others.length ? el('p', {class: 'note'}, `The same id is also leaf ${others.join(', ')} ` +
                            '(a copy written twice; it counts once).') : '',
         ...(result.verified ? entryProtocol(answer.body.entry) : []));
  } catch (e) {
    show('error', el('p', {class: 'verdict bad'}, `Cannot check ${id}: ${e.message}`));
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
  document.getElementById('log-form').addEventListener('submit', (event) => {
    event.preventDefault();
    checkProtocol(document.getElementById('log-submission').value.trim());
  });
  await drawLog();
  const hash = new URLSearchParams(location.hash.slice(1));
  if (hash.get('station')) showStation(hash.get('station'));
  if (hash.get('check')) checkProtocol(hash.get('check'));
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
