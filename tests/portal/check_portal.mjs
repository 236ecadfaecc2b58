// Drives the portal in headless Chromium against a running stack, as a visitor would:
//   node check_portal.mjs <portal url> <publication HTTP url> <screenshot.png> <hattama-tlog url>
// The portal url is nginx serving the snapshot files (or publication itself); what the page shows
// is checked against publication's own HTTP/JSON API. Prints one line a check:
// 1. "ready": the national figures shown equal the API's;
// 2. "updated": without a reload the page shows more stations reporting, equal to the API again,
//    and says how the update came (files: the index polled; sse; polling); so do the page as
//    publication's own server serves it (by the /v1/Watch stream) and one whose browser lacks
//    EventSource (by polling); a page read through nginx asks nothing of /v1/;
// 3. "deployment": the observer deployment table against GetDeploymentTable;
// 4. "comparison": official against observers, against GetOfficialTotals, GetAreaTotals and
//    ListDiscrepancies; then the screenshot;
// 5. "map": 20 region tiles, each labelled, its turnout the API's; the colours change with the
//    measure; every tile reachable by Tab and one opened by Enter shows its districts;
// 6. "charts": the night's progress and the PVT estimate drawn from GetNightProgress, one point a
//    sample, a margin band a list;
// 7. "stations": a region, a district, its stations against ListStations, a station's page (every
//    version, confirmations, photo hash) against GetStationResults, linkable as #station=<id>;
// 8. "languages": Russian and Kazakh labels, numbers as Intl writes them for ru-RU, names from
//    localized_names; the choice remembered;
// 9. "tables": at 1,280 px every table fits its card; at 360 px the page is no wider than the
//    screen and tables scroll inside their cards;
// 10. "log": the transparency log panel and its checks, as before.
// Exits non-zero on any difference.
import { launchChromium } from './view_check.mjs';

const [url, apiUrl, screenshot, tlogUrl] = process.argv.slice(2);
if (!url || !apiUrl || !screenshot || !tlogUrl) {
  console.error('usage: node check_portal.mjs <portal url> <publication HTTP url> <screenshot.png> ' +
                '<hattama-tlog url>');
  process.exit(2);
}

const api = async (method, params) => {
  const response = await fetch(`${apiUrl}/v1/${method}?${new URLSearchParams(params)}`);
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
};
// The page's formats in English (en-GB), and in Russian for the language check.
const formats = (locale) => ({
  pct: (v) => new Intl.NumberFormat(locale, {style: 'percent', minimumFractionDigits: 2,
                                             maximumFractionDigits: 2}).format(Number(v || 0) / 100),
  fmt: (v) => new Intl.NumberFormat(locale).format(Number(v || 0)),
});
const {pct, fmt} = formats('en-GB');

// What the page must show for `totals`, and what it shows.
function expected(totals, f = {pct, fmt}, of = (a, b) => `${a} of ${b}`) {
  const bars = {};
  for (const o of totals.options) bars[o.option_id] = f.pct(o.share_percent);
  return {
    turnout: f.pct(totals.turnout_percent),
    spoiled: f.pct(totals.spoiled_percent),
    coverage: of(f.fmt(totals.stations_reporting), f.fmt(totals.stations_registered)),
    flagged: f.fmt(totals.flagged_count),
    bars,
  };
}
async function shown(page) {
  return page.evaluate(() => {
    const text = (id) => document.getElementById(id).textContent;
    const bars = {};
    for (const bar of document.querySelectorAll('#bars .bar')) {
      bars[bar.dataset.option] = bar.querySelector('.pct').textContent;
    }
    return {turnout: text('turnout'), spoiled: text('spoiled'), coverage: text('coverage'),
            flagged: text('flagged'), bars};
  });
}

// Retries `check` (which throws on a difference) for at most `ms`: the page redraws on its own
// schedule, and the page and the API are read at slightly different moments.
async function eventually(page, ms, check) {
  const until = Date.now() + ms;
  for (;;) {
    try {
      return await check();
    } catch (e) {
      if (Date.now() > until) throw e;
      await page.waitForTimeout(300);
    }
  }
}
// JSON with every object's keys sorted: objects compare by content, arrays by order.
const canonical = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
const same = (what, want, got) => {
  if (canonical(want) !== canonical(got)) {
    throw new Error(`${what}: the page shows\n${JSON.stringify(got)}\nthe API says\n${JSON.stringify(want)}`);
  }
};
const agreeWithApi = (page, nation, contest, ms, f, of) => eventually(page, ms, async () => {
  const want = expected(await api('GetAreaTotals', {area_id: nation, contest_id: contest}), f, of);
  const got = await shown(page);
  same('the national figures', want, got);
  return got;
});
// The text of every cell of a table's body rows, keyed by a data attribute of the row.
const cells = (page, table, key) => page.evaluate(([table, key]) => {
  const rows = {};
  for (const tr of document.querySelectorAll(`#${table} tbody tr`)) {
    rows[tr.dataset[key]] = [...tr.querySelectorAll('td, th')].map((td) => td.textContent);
  }
  return rows;
}, [table, key]);

const DEPLOYMENT_COLUMNS = ['mandates_sent', 'mandates_handed_out', 'observers_admitted',
  'observers_refused', 'observers_removed', 'stations_covered', 'protocols_obtained',
  'protocols_refused', 'protocols_confiscated', 'protocols_not_obtained'];
const nameIn = (item, lang) => (item.localized_names || {})[lang] || item.name;

async function checkDeployment(page, election) {
  return eventually(page, 20000, async () => {
    const table = await api('GetDeploymentTable', {});
    const want = {};
    for (const f of [table.nation, ...table.regions]) {
      const area = election.areas.find((a) => a.area_id === f.area_id);
      want[f.area_id] = [area ? nameIn(area, 'en') : f.name, ...DEPLOYMENT_COLUMNS.map((c) => fmt(f[c]))];
    }
    same('deployment table', want, await cells(page, 'deployment', 'area'));
    if (Number(table.nation.mandates_sent) === 0) throw new Error('no deployment reported');
    return `${table.nation.mandates_sent} mandates sent, ${table.regions.length} regions`;
  });
}

async function checkComparison(page, nation, contest) {
  return eventually(page, 30000, async () => {
    const params = {area_id: nation, contest_id: contest};
    const [observed, official, listed] = await Promise.all([
      api('GetAreaTotals', params), api('GetOfficialTotals', params),
      api('ListDiscrepancies', {contest_id: contest, limit: 10})]);
    const want = {};
    const officialShare = Object.fromEntries(official.options.map((o) => [o.option_id, o.share_percent]));
    for (const o of observed.options) want[o.option_id] = [pct(o.share_percent), pct(officialShare[o.option_id])];
    const got = Object.fromEntries(Object.entries(await cells(page, 'comparison', 'option'))
        .filter(([k]) => k !== 'undefined').map(([k, v]) => [k, [v[1], v[2]]]));
    same('comparison by list', want, got);
    const reporting = (await cells(page, 'comparison', 'row')).reporting;
    same('stations reporting, observers and official',
         [fmt(observed.stations_reporting), fmt(official.stations_reporting)], reporting.slice(1, 3));
    if (Number(official.stations_reporting) === 0) throw new Error('no official results shown');
    const top = await page.evaluate(() => [...document.querySelectorAll('#discrepancies tbody tr')]
        .map((tr) => tr.dataset.discrepancy));
    same('largest discrepancies', listed.discrepancies.map((d) => d.area_id), top);
    if (top.length === 0) throw new Error('no discrepancy listed');
    return `${official.stations_reporting} official and ${observed.stations_reporting} observer ` +
           `stations, ${listed.total_count} discrepancies`;
  });
}

const tiles = (page) => page.evaluate(() => [...document.querySelectorAll('#map .tile')].map((g) => ({
  area: g.dataset.area, fill: g.dataset.fill, label: g.getAttribute('aria-label'),
  tabindex: g.getAttribute('tabindex'), value: g.querySelector('.tile-value').textContent})));
const measure = async (page, value) => {
  await page.selectOption('#measure', value);
  await page.waitForFunction((v) => {
    const svg = document.querySelector('#map svg');
    return svg && svg.dataset.measure === v;
  }, value, {timeout: 10000});
};

// The map: a labelled, focusable tile a region, coloured by the measure chosen; Tab reaches each
// tile, Enter opens one.
async function checkMap(page, election, nation, contest) {
  const regions = election.areas.filter((a) => a.parent_id === nation).map((a) => a.area_id).sort();
  await measure(page, 'turnout');
  const byTurnout = await eventually(page, 20000, async () => {
    const shownTiles = await tiles(page);
    same('the tiles', regions, shownTiles.map((t) => t.area).sort());
    const want = {}, got = {};
    for (const region of regions) {
      const t = await api('GetAreaTotals', {area_id: region, contest_id: contest});
      want[region] = Number(t.stations_reporting) ? pct(t.turnout_percent) : '–';
    }
    for (const t of shownTiles) {
      got[t.area] = t.value;
      const name = nameIn(election.areas.find((a) => a.area_id === t.area), 'en');
      if (!t.label.startsWith(`${name}: `) || t.tabindex !== '0') {
        throw new Error(`tile ${t.area} is labelled "${t.label}", tabindex ${t.tabindex}`);
      }
    }
    same('each tile\'s turnout', want, got);
    return shownTiles;
  });
  // Each measure colours the tiles its own way, and every tile's text stays readable on its
  // colour (WCAG AA: contrast at least 4.5:1).
  const fills = {};
  for (const m of ['leader', 'coverage', 'turnout', 'difference']) {
    await measure(page, m);
    fills[m] = (await tiles(page)).map((t) => t.fill).join(' ');
    const low = await page.evaluate(() => {
      const luminance = (rgb) => {
        const c = rgb.match(/\d+/g).slice(0, 3).map((v) => Number(v) / 255)
            .map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
        return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
      };
      return [...document.querySelectorAll('#map .tile')].map((g) => {
        const [a, b] = [getComputedStyle(g.querySelector('rect')).fill,
                        getComputedStyle(g.querySelector('.tile-value')).fill].map(luminance);
        return {area: g.dataset.area, ratio: (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05)};
      }).filter((t) => t.ratio < 4.5);
    });
    if (low.length) throw new Error(`by ${m}, tiles whose text contrasts too little: ${JSON.stringify(low)}`);
  }
  if (new Set(Object.values(fills)).size < 3) {
    throw new Error(`the colours hardly change with the measure: ${JSON.stringify(fills)}`);
  }
  const legend = await page.locator('#map-legend li').count();
  if (legend < 2) throw new Error(`the legend has ${legend} entries`);

  // Keyboard: from the measure's select, Tab goes through every tile in turn.
  await page.focus('#measure');
  const reached = new Set();
  for (let i = 0; i < regions.length; ++i) {
    await page.keyboard.press('Tab');
    const area = await page.evaluate(() => document.activeElement.dataset.area || null);
    if (!area) break;
    reached.add(area);
  }
  same('the tiles reached by Tab', regions, [...reached].sort());
  // Enter on a focused tile opens its districts, as tiles too.
  const region = regions[0];
  await page.focus(`#map .tile[data-area="${region}"]`);
  await page.keyboard.press('Enter');
  const districts = election.areas.filter((a) => a.parent_id === region).map((a) => a.area_id).sort();
  await eventually(page, 15000, async () => {
    same(`the district tiles of ${region}`, districts, (await tiles(page)).map((t) => t.area).sort());
    const title = await page.locator('#areas-title').textContent();
    if (title !== 'Districts') throw new Error(`the heading says ${title}`);
  });
  if (!page.url().endsWith(`#area=${region}`)) throw new Error(`the address is ${page.url()}`);
  // Back to the nation by the breadcrumb.
  await page.locator('#breadcrumb a').first().click();
  await page.waitForFunction((n) => document.querySelectorAll('#map .tile').length === n,
                             regions.length, {timeout: 15000});
  return `${byTurnout.length} tiles, ${Object.keys(fills).length} measures in ` +
         `${new Set(Object.values(fills)).size} colourings, all reached by Tab, Enter opened ` +
         `${districts.length} districts of ${region}`;
}

// What the page reads for a call: through nginx the file the index (or the key's bucket file)
// names (the files lag the API by up to their publisher's coalescing), else the API.
async function portalRead(method, params) {
  if (url === apiUrl) return api(method, params);
  const indexUrl = `${url}/data/index.json`;
  const index = await (await fetch(indexUrl)).json();
  const key = `${method}?${new URLSearchParams(Object.entries(params).sort())}`;
  let path = index.files[key];
  if (!path && index.buckets) {
    // The README's bucket: FNV-1a 32-bit of the key's UTF-8 bytes, modulo the count.
    let hash = 0x811c9dc5;
    for (const byte of new TextEncoder().encode(key)) hash = Math.imul(hash ^ byte, 0x01000193);
    const bucket = index.buckets.files[(hash >>> 0) % index.buckets.count];
    path = (await (await fetch(new URL(bucket, indexUrl))).json()).files[key];
  }
  if (!path) throw new Error(`the index names no ${key}`);
  return (await fetch(new URL(path, indexUrl))).json();
}

// The night's charts against GetNightProgress: a point a sample, a band and a line a list.
async function checkCharts(page, contest) {
  return eventually(page, 70000, async () => {
    const progress = await portalRead('GetNightProgress', {contest_id: contest});
    const points = progress.points || [];
    if (points.length < 2) throw new Error(`GetNightProgress has ${points.length} points`);
    const drawn = await page.evaluate(() => ({
      reporting: Number((document.querySelector('#reporting-chart path.line') || {dataset: {}}).dataset.points || 0),
      label: (document.querySelector('#reporting-chart svg') || {getAttribute: () => ''}).getAttribute('aria-label'),
      bands: [...document.querySelectorAll('#pvt-chart path.band')].map((p) => p.dataset.option),
      lines: [...document.querySelectorAll('#pvt-chart path.line')].map((p) => Number(p.dataset.points)),
      rows: document.querySelectorAll('#reporting-chart table tbody tr').length,
    }));
    same('points on the reporting chart', points.length, drawn.reporting);
    const last = points[points.length - 1];
    if (!drawn.label.includes(`${fmt(last.stations_reporting)} of ${fmt(last.stations_total)}`)) {
      throw new Error(`the chart's text alternative: ${drawn.label}`);
    }
    const lists = (last.pvt && last.pvt.options || []).map((o) => o.option_id).sort();
    if (!lists.length) throw new Error('no PVT estimate in the night\'s last point');
    same('the margin bands', lists, [...drawn.bands].sort());
    if (drawn.rows < 2) throw new Error('the chart\'s table is empty');
    return `${points.length} samples drawn (last: ${last.stations_reporting} of ${last.stations_total}), ` +
           `${drawn.bands.length} estimate lines with their bands`;
  });
}

// Region → district → its stations → one station's page, by clicking as a visitor would.
async function checkStations(page, election, contest) {
  const region = await page.locator('#areas tbody tr').first().getAttribute('data-area');
  await page.locator(`#areas tbody tr[data-area="${region}"] a`).click();
  await page.waitForFunction((r) => document.querySelector('#areas tbody tr') &&
      document.querySelector('#areas tbody tr').dataset.area !== r &&
      document.getElementById('areas-title').textContent === 'Districts', region, {timeout: 20000});
  const district = await page.locator('#areas tbody tr').first().getAttribute('data-area');
  if (election.areas.find((a) => a.area_id === district).parent_id !== region) {
    throw new Error(`district ${district} is not in region ${region}`);
  }
  await page.locator(`#areas tbody tr[data-area="${district}"]`).click();
  await page.waitForSelector('#stations tbody tr', {timeout: 20000});
  const listed = await eventually(page, 20000, async () => {
    const response = await api('ListStations', {area_id: district, contest_id: contest});
    const want = {};
    for (const s of response.stations) {
      const f = s.counted;
      want[s.station.station_id] = f
          ? pct(100 * Number(f.ballots_in_box) / Number(f.registered_voters || s.station.registered_voters))
          : '–';
    }
    const shownRows = await cells(page, 'stations', 'station');
    same(`stations of ${district}`, want,
         Object.fromEntries(Object.entries(shownRows).map(([k, v]) => [k, v[1]])));
    if (!response.stations.some((s) => s.counted)) throw new Error(`no station of ${district} counted`);
    return response.stations;
  });
  const station = listed.find((s) => s.counted).station.station_id;
  await page.locator(`#stations tbody tr[data-station="${station}"] a`).click();
  const page_ = await eventually(page, 20000, async () => {
    const results = await api('GetStationResults', {station_id: station});
    const got = await page.evaluate(() => ({
      visible: !document.getElementById('station-view').hidden,
      dashboard: !document.getElementById('dashboard').hidden,
      title: (document.querySelector('#station h2') || {dataset: {}}).dataset.station,
      versions: [...document.querySelectorAll('#station .version')].map((v) => v.dataset.submission),
      photos: [...document.querySelectorAll('#station [data-photo]')].map((c) => c.dataset.photo),
      confirmations: [...document.querySelectorAll('#station [data-confirmations]')].map((p) => p.dataset.confirmations),
    }));
    const hex = (b64) => Buffer.from(b64, 'base64').toString('hex');
    const versions = results.contests.flatMap((c) => (c.versions || []).map((v) => v.submission.submission_id));
    const photos = results.contests.flatMap((c) => (c.versions || []).map((v) => v.submission.photo_sha256)
        .filter(Boolean).map(hex));
    same(`the page of ${station}`,
         {visible: true, dashboard: false, title: station, versions, photos,
          confirmations: results.contests.map((c) => String(Number(c.confirmations || 0)))},
         got);
    if (!photos.length) throw new Error(`no photo hash at ${station}`);
    return {versions: versions.length, photos: photos.length};
  });
  if (!page.url().endsWith(`#station=${station}`)) throw new Error(`the address is ${page.url()}`);
  return `${district} of ${region}: ${listed.length} stations; ${station}'s page: ` +
         `${page_.versions} versions, ${page_.photos} photo hashes`;
}

// Russian, then Kazakh, by the switch: the labels, the numbers (Intl's ru-RU), the names given
// per language; a new page remembers the choice.
async function checkLanguages(browser, page, election, nation, contest) {
  const regions = election.areas.filter((a) => a.parent_id === nation);
  const namesShown = () => page.evaluate(() => Object.fromEntries(
      [...document.querySelectorAll('#areas tbody tr')].map((tr) => [tr.dataset.area, tr.querySelector('a').textContent])));
  const check = async (lang, words) => eventually(page, 15000, async () => {
    const got = await page.evaluate(() => ({
      lang: document.documentElement.lang,
      turnout: document.querySelector('[data-i18n="turnout"]').textContent,
      title: document.getElementById('areas-title').textContent,
      pressed: document.querySelector('#languages [aria-pressed="true"]').dataset.lang}));
    same(`the labels in ${lang}`, {lang, ...words, pressed: lang}, got);
    const names = await namesShown();
    const want = Object.fromEntries(regions.filter((r) => r.area_id in names).map((r) => [r.area_id, nameIn(r, lang)]));
    same(`the region names in ${lang}`, want, names);
    if (Object.keys(names).length < 10) throw new Error(`${Object.keys(names).length} regions listed`);
    // The contests and the lists too.
    const shownNames = await page.evaluate(() => ({
      contests: [...document.querySelectorAll('#contests button')].map((b) => b.textContent),
      lists: Object.fromEntries([...document.querySelectorAll('#bars .bar')]
          .map((b) => [b.dataset.option, b.querySelector('.name').textContent]))}));
    const contestShown = election.contests[0];
    same(`the contest and list names in ${lang}`,
         {contests: election.contests.map((c) => nameIn(c, lang)),
          lists: Object.fromEntries(contestShown.options.map((o) => [o.option_id, nameIn(o, lang)]))},
         shownNames);
  });
  await page.locator('#languages [data-lang="ru"]').click();
  await check('ru', {turnout: 'Явка', title: 'Регионы'});
  const ru = formats('ru-RU');
  await agreeWithApi(page, nation, contest, 15000, ru, (a, b) => `${a} из ${b}`);
  await page.locator('#languages [data-lang="kk"]').click();
  await check('kk', {turnout: 'Қатысу', title: 'Өңірлер'});
  const localized = regions.filter((r) => (r.localized_names || {}).kk && r.localized_names.kk !== r.name).length;
  if (!localized) throw new Error('the registry names no region in Kazakh: nothing to check');
  // The choice is remembered.
  const again = await browser.newPage();
  try {
    await again.goto(url);
    await again.waitForFunction(() => document.documentElement.lang === 'kk' &&
        document.querySelector('[data-i18n="turnout"]').textContent === 'Қатысу', null, {timeout: 15000});
  } finally {
    await again.close();
  }
  await page.locator('#languages [data-lang="en"]').click();
  await check('en', {turnout: 'Turnout', title: 'Regions'});
  return `ru and kk labels, ru-RU numbers, ${localized} regions named in Kazakh, the choice remembered`;
}

// Every table within its card: none needs scrolling at 1,280 px; at 360 px the page is no wider
// than the screen and a table wider than its card scrolls inside it.
async function checkTables(context) {
  const measureAt = async (width) => {
    const p = await context.newPage();
    try {
      await p.setViewportSize({width, height: 800});
      await p.goto(url);
      await p.waitForSelector('#deployment tbody tr');
      await p.waitForSelector('#areas tbody tr');
      await p.waitForSelector('#comparison tbody tr');
      return await p.evaluate((width) => ({
        page: document.documentElement.scrollWidth,
        wider: [...document.querySelectorAll('body *')]
            .filter((e) => e.getBoundingClientRect().right > width + 0.5 && !e.closest('.table-wrap, .map-wrap'))
            .slice(0, 5).map((e) => `${e.tagName.toLowerCase()}#${e.id}`),
        tables: [...document.querySelectorAll('#dashboard table')]
            .filter((t) => !t.hidden && !t.closest('.visually-hidden')).map((t) => {
              const card = t.closest('section').getBoundingClientRect();
              const wrap = t.closest('.table-wrap');
              const box = (wrap || t).getBoundingClientRect();
              return {id: t.id, table: t.scrollWidth, wrap: wrap ? wrap.clientWidth : 0,
                      scrolls: wrap ? getComputedStyle(wrap).overflowX : 'none',
                      inside: box.left >= card.left - 0.5 && box.right <= card.right + 0.5};
            }),
      }), width);
    } finally {
      await p.close();
    }
  };
  const wide = await measureAt(1280);
  for (const t of wide.tables) {
    if (t.table > t.wrap || !t.inside) throw new Error(`at 1280 px table ${t.id} is ${t.table} px in a ${t.wrap} px card`);
  }
  const phone = await measureAt(360);
  if (phone.page > 360) {
    throw new Error(`at 360 px the page is ${phone.page} px wide; wider: ${phone.wider.join(', ')}`);
  }
  let scrolling = 0;
  for (const t of phone.tables) {
    if (!t.inside) throw new Error(`at 360 px table ${t.id} leaves its card`);
    if (t.table > t.wrap) {
      if (t.scrolls !== 'auto') throw new Error(`at 360 px table ${t.id} is cut, not scrolled`);
      ++scrolling;
    }
  }
  return `${wide.tables.length} tables fit at 1280 px; at 360 px nothing wider than the screen, ` +
         `${scrolling} tables scroll inside their cards`;
}

// The leaf index of the first entry carrying `id`, read from the log's entry bundles up to its
// latest checkpoint (README "The static files") as any mirror would, not from its API.
async function leafOf(id) {
  const size = Number((await (await fetch(`${tlogUrl}/tlog/checkpoint`)).text()).split('\n')[1]);
  const tileName = (n) => {
    const digits = String(n).padStart(3 * Math.max(1, Math.ceil(String(n).length / 3)), '0');
    const groups = digits.match(/.../g);
    return groups.map((g, i) => (i < groups.length - 1 ? `x${g}` : g)).join('/');
  };
  for (let tile = 0; tile * 256 < size; ++tile) {
    const width = Math.min(256, size - tile * 256);
    const path = `${tlogUrl}/tlog/tile/entries/${tileName(tile)}${width < 256 ? `.p/${width}` : ''}`;
    const response = await fetch(path);
    if (!response.ok) throw new Error(`${path}: HTTP ${response.status}`);
    const bundle = new Uint8Array(await response.arrayBuffer());
    for (let at = 0, i = 0; at < bundle.length; ++i) {
      const length = (bundle[at] << 8) | bundle[at + 1];
      const entry = bundle.subarray(at + 2, at + 2 + length);
      const idLength = (entry[46] << 8) | entry[47];
      if (new TextDecoder().decode(entry.subarray(48, 48 + idLength)) === id) return tile * 256 + i;
      at += 2 + length;
    }
  }
  return -1;
}

// Submits the log check form by keyboard and waits for its outcome.
async function checkByKeyboard(page, id) {
  await page.evaluate(() => { document.getElementById('log-result').dataset.outcome = ''; });
  await page.locator('#log-submission').fill(id);
  await page.locator('#log-submission').press('Enter');
  return logOutcome(page);
}
async function logOutcome(page) {
  await page.waitForFunction(() => ['verified', 'not-verified', 'not-found', 'unavailable', 'error']
      .includes(document.getElementById('log-result').dataset.outcome), null, {timeout: 20000});
  return page.evaluate(() => {
    const result = document.getElementById('log-result');
    return {outcome: result.dataset.outcome, leaf: Number(result.dataset.leafIndex),
            size: Number(result.dataset.treeSize), text: result.textContent,
            failed: [...result.querySelectorAll('li[data-ok="false"]')].map((li) => li.dataset.check),
            signature: (result.querySelector('li[data-check="log signature"]') || {}).dataset};
  });
}

async function checkLog(browser, page, nation, contest) {
  // The panel against hattama-tlog's own /tlog/checkpoint (both move while the log grows).
  const checkpoint = await eventually(page, 30000, async () => {
    const lines = (await (await fetch(`${tlogUrl}/tlog/checkpoint`)).text()).split('\n');
    const panel = await page.evaluate(() => {
      const box = document.getElementById('log-checkpoint');
      return {hidden: box.hidden, size: box.dataset.treeSize, root: box.dataset.root,
              text: document.getElementById('log-size').textContent,
              signer: document.getElementById('log-signer').textContent,
              status: document.getElementById('log-status').textContent,
              witnesses: Object.fromEntries([...document.querySelectorAll('#log-witnesses li')]
                  .map((li) => [li.dataset.witness, li.dataset.treeSize]))};
    });
    // Who cosigned, as the log itself serves its cosignatures (portal_test.cc adds one).
    const cosigned = (await (await fetch(`${tlogUrl}/v1/GetCheckpoint`)).json()).cosignatures || [];
    if (!cosigned.length) throw new Error('the log has no cosignature to show');
    same('the cosigning witnesses',
         Object.fromEntries(cosigned.map((c) => [c.witness, String(Number(c.tree_size))])), panel.witnesses);
    same(`the log panel ("${panel.status}")`, {hidden: false, size: lines[1], root: lines[2], text: fmt(lines[1])},
         {hidden: panel.hidden, size: panel.size, root: panel.root, text: panel.text});
    if (!panel.signer.includes('signature verified in this browser')) {
      throw new Error(`the panel's signature: ${panel.signer}`);
    }
    return {size: Number(lines[1]), root: lines[2], witnesses: Object.keys(panel.witnesses).join(', ')};
  });

  // A version of the station on screen, by its "check in the log" action.
  const button = page.locator('#station [data-check]').first();
  const id = await button.getAttribute('data-check');
  await page.evaluate(() => { document.getElementById('log-result').dataset.outcome = ''; });
  await button.click();
  const verified = await logOutcome(page);
  if (verified.outcome !== 'verified') throw new Error(`${id} was not verified: ${verified.text}`);
  if (verified.signature.ok !== 'true') throw new Error(`the signature was not checked: ${verified.text}`);
  const leaf = await leafOf(id);
  same(`the leaf of ${id}`, leaf, verified.leaf);
  // The same check from a link (#check=<id>), as a visitor would share it.
  const linked = await browser.newPage();
  try {
    await linked.goto(`${url}/#check=${encodeURIComponent(id)}`);
    const fromLink = await logOutcome(linked);
    same(`the check of ${id} from a link`, ['verified', leaf], [fromLink.outcome, fromLink.leaf]);
  } finally {
    await linked.close();
  }

  // The same answer altered on the way: one proof hash, then one byte of the entry's record.
  const alter = async (change, failing) => {
    await page.route((u) => u.pathname === '/v1/GetInclusionProof', async (route) => {
      const response = await route.fetch();
      const json = await response.json();
      change(json);
      await route.fulfill({response, json});
    });
    const tampered = await checkByKeyboard(page, id);
    await page.unrouteAll();
    if (tampered.outcome !== 'not-verified' || !tampered.failed.includes(failing)) {
      throw new Error(`an altered answer: ${tampered.outcome}, failed ${tampered.failed}: ${tampered.text}`);
    }
    return tampered.failed.join(' + ');
  };
  const flip = (base64, at) => {
    const bytes = Buffer.from(base64, 'base64');
    bytes[at < 0 ? bytes.length + at : at] ^= 1;
    return bytes.toString('base64');
  };
  const badHash = await alter((json) => { json.hashes[0] = flip(json.hashes[0], 0); },
                              'root of the answer\'s checkpoint');
  const badEntry = await alter((json) => { json.entry.entry = flip(json.entry.entry, -1); }, 'record hash');

  const unknown = await checkByKeyboard(page, 'no-such-submission');
  if (unknown.outcome !== 'not-found') throw new Error(`an unknown id: ${unknown.outcome}: ${unknown.text}`);

  // The nation's figures state the tree size their totals were computed at.
  await page.evaluate(() => { location.hash = ''; });
  const position = await eventually(page, 30000, async () => {
    const totals = await api('GetAreaTotals', {area_id: nation, contest_id: contest});
    const size = Number((totals.log_position || {}).tree_size || 0);
    if (!size) throw new Error('the totals are not yet in the log');
    const text = await page.evaluate(() => document.getElementById('log-position').textContent);
    same('the log size of the totals', `Recountable at log size ${fmt(size)}.`, text);
    return size;
  });
  return `panel at size ${checkpoint.size} cosigned by ${checkpoint.witnesses}; ${id} verified at leaf ${leaf}; altered hash: ` +
         `${badHash}; altered entry: ${badEntry}; unknown id not found; totals at size ${position}`;
}

const browser = await launchChromium();
try {
  // English: the tests read the English labels (a browser asking for en-US gets English).
  const context = await browser.newContext({locale: 'en-US'});
  const page = await context.newPage();
  await page.setViewportSize({width: 1280, height: 1500});
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('#bars .bar');
  const election = await api('GetElection', {});
  const nation = election.areas.find((a) => !a.parent_id).area_id;
  const contest = election.contests[0].contest_id;

  // Through nginx the page reads files only: public load never reaches publication.
  const apiCalls = [];
  page.on('request', (r) => { if (r.url().startsWith(`${url}/v1/`)) apiCalls.push(r.url()); });

  // Publication's own server: the page as it serves it (live by /v1/Watch), and a visitor whose
  // browser has no EventSource (polling).
  const own = await context.newPage();
  own.on('pageerror', (e) => errors.push(`(publication's own server) ${e.message}`));
  await own.goto(apiUrl);
  const old = await context.newPage();
  old.on('pageerror', (e) => errors.push(`(without EventSource) ${e.message}`));
  await old.addInitScript(() => { delete window.EventSource; });
  await old.goto(apiUrl);
  const pages = [page, own, old];
  for (const p of pages) await p.waitForSelector('#bars .bar');

  const before = await agreeWithApi(page, nation, contest, 15000);
  for (const p of [own, old]) {
    const other = await agreeWithApi(p, nation, contest, 15000);
    if (other.coverage !== before.coverage) {
      throw new Error(`the pages start apart: ${before.coverage} and ${other.coverage}`);
    }
  }
  console.log(`ready ${before.coverage}`);

  const changed = (p) => p.waitForFunction(
      (coverage) => document.getElementById('coverage').textContent !== coverage,
      before.coverage, {timeout: 60000, polling: 200});
  await Promise.all(pages.map(changed));
  const after = await agreeWithApi(page, nation, contest, 15000);
  for (const p of [own, old]) await agreeWithApi(p, nation, contest, 15000);
  const [path, ownPath, oldPath] = await Promise.all(pages.map((p) => p.evaluate(() => document.body.dataset.live)));
  if (url !== apiUrl && path !== 'files') throw new Error(`through nginx the page says ${path}`);
  if (oldPath !== 'polling') throw new Error(`without EventSource the page says ${oldPath}`);
  await own.close();
  await old.close();
  console.log(`updated ${after.coverage} via ${path}; on publication's own server via ${ownPath}; ` +
              `without EventSource via ${oldPath}`);

  console.log(`deployment ${await checkDeployment(page, election)}`);
  console.log(`comparison ${await checkComparison(page, nation, contest)}`);
  await page.screenshot({path: screenshot, fullPage: true});
  console.log(`map ${await checkMap(page, election, nation, contest)}`);
  console.log(`charts ${await checkCharts(page, contest)}`);
  console.log(`languages ${await checkLanguages(context, page, election, nation, contest)}`);
  console.log(`tables ${await checkTables(context)}`);
  console.log(`stations ${await checkStations(page, election, contest)}`);
  console.log(`log ${await checkLog(context, page, nation, contest)}`);
  if (errors.length) throw new Error(`errors in the page: ${errors.join('; ')}`);
  if (url !== apiUrl && apiCalls.length) {
    throw new Error(`through nginx the page asked /v1/: ${[...new Set(apiCalls)].slice(0, 5).join(', ')}`);
  }
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
