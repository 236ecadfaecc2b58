// Drives the portal's PVT sample view (services/publication/portal/pvt.js) in headless Chromium
// against a running stack whose publication has a PVT sample (--pvt-sample), as a visitor would:
//   node pvt_check.mjs <portal url> <publication HTTP url>
// The portal url is nginx serving the snapshot files; what the page shows is checked against
// publication's own HTTP/JSON API (GetPvtEstimate): the sample file's SHA-256, each list's estimate
// from the stations reported so far beside the one from the sample alone, each region's
// completion, the warning exactly while a region is under-reported, and in the night's chart the
// sample's dashed line for each list once GetNightProgress has a point with a sampled report; then
// the view in Russian and Kazakh; and the page asked nothing of /v1/.
// Prints one line, "pvt ...", and exits non-zero on any difference.
import { chromium } from 'playwright-core';

const [url, apiUrl] = process.argv.slice(2);
if (!url || !apiUrl) {
  console.error('usage: node pvt_check.mjs <portal url> <publication HTTP url>');
  process.exit(2);
}

const api = async (method, params) => {
  const response = await fetch(`${apiUrl}/v1/${method}?${new URLSearchParams(params || {})}`);
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
};
const pct = (v) => new Intl.NumberFormat('en-GB', {style: 'percent', minimumFractionDigits: 2,
                                                   maximumFractionDigits: 2}).format(Number(v || 0) / 100);
const decimal = (v) => new Intl.NumberFormat('en-GB', {minimumFractionDigits: 2,
                                                       maximumFractionDigits: 2}).format(Number(v || 0));
const fmt = (v) => new Intl.NumberFormat('en-GB').format(Number(v || 0));
const nameIn = (item, lang) => (item.localized_names || {})[lang] || item.name;
const cell = (o) => (o ? `${pct(o.share_percent)} ± ${decimal(o.margin_percent)} pt` : '–');

const canonical = (v) => JSON.stringify(v, (k, x) => (x && typeof x === 'object' && !Array.isArray(x)
    ? Object.fromEntries(Object.entries(x).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : x));
const same = (what, want, got) => {
  if (canonical(want) !== canonical(got)) {
    throw new Error(`${what}: the page shows\n${JSON.stringify(got)}\nthe API says\n${JSON.stringify(want)}`);
  }
};
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
const cells = (page, table, key) => page.evaluate(([table, key]) => {
  const rows = {};
  for (const tr of document.querySelectorAll(`#${table} tbody tr`)) {
    rows[tr.dataset[key]] = [...tr.querySelectorAll('td, th')].map((td) => td.textContent);
  }
  return rows;
}, [table, key]);

async function checkSample(page, election, contest) {
  const e = await api('GetPvtEstimate', {contest_id: contest.contest_id});
  const s = e.sample;
  if (!s || !/^[0-9a-f]{64}$/.test(s.sha256)) throw new Error('GetPvtEstimate has no sample');
  same('sha256', s.sha256, await page.evaluate(() => document.getElementById('pvt-sample-sha256').textContent));
  const soFar = Object.fromEntries((e.options || []).map((o) => [o.option_id, o]));
  const both = {};
  for (const o of s.options || []) {
    const option = contest.options.find((x) => x.option_id === o.option_id);
    both[o.option_id] = [nameIn(option, 'en'), cell(soFar[o.option_id]), cell(o)];
  }
  same('estimates side by side', both, await cells(page, 'pvt-both', 'option'));
  const regions = {};
  for (const r of s.strata || []) {
    const area = election.areas.find((a) => a.area_id === r.area_id);
    const completion = pct(r.completion_percent);
    regions[r.area_id] = [nameIn(area, 'en'), fmt(r.stations_sampled), fmt(r.stations_reported),
                          r.under_reported ? `${completion}, under-reported` : completion];
  }
  same('completion per region', regions, await cells(page, 'pvt-completion', 'region'));
  const warning = await page.evaluate(() => document.getElementById('pvt-sample-warning')?.textContent || null);
  const under = (s.strata || []).filter((r) => r.under_reported).length;
  same('warning', s.under_reported
    ? `Under-reported: in ${fmt(under)} regions fewer than ${fmt(s.min_completion_percent)} % of the sampled ` +
      'stations have reported, so the estimate may still lean towards those that reported first.'
    : null, warning);
  return `sha256 ${s.sha256.slice(0, 12)}…, ${fmt(s.stations_reported)} of ${fmt(s.stations_sampled)} ` +
         `sampled stations in ${(s.strata || []).length} regions, ${under} under-reported`;
}

// The dashed line of each list in the night's chart, when a point of the night has a sampled report.
async function checkChart(page, contest) {
  const progress = await api('GetNightProgress', {contest_id: contest.contest_id});
  const withSample = (progress.points || []).filter((p) => p.pvt && p.pvt.sample &&
                                                          Number(p.pvt.sample.stations_reported || 0) > 0);
  if (!withSample.length) return 'no point with a sampled report yet';
  const lines = await page.evaluate(() => document.querySelectorAll('#pvt-chart path.line.sample').length);
  if (lines < contest.options.length) throw new Error(`${lines} dashed lines for ${contest.options.length} lists`);
  return `${lines} dashed lines`;
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const context = await browser.newContext({locale: 'en-US'});
  const page = await context.newPage();
  await page.setViewportSize({width: 1280, height: 1500});
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  const apiCalls = [];
  page.on('request', (r) => { if (r.url().startsWith(`${url}/v1/`)) apiCalls.push(r.url()); });
  await page.goto(url);
  await page.waitForSelector('#pvt-both tbody tr', {timeout: 30000});
  const election = await api('GetElection');
  const contest = election.contests[0];

  const sample = await eventually(page, 20000, () => checkSample(page, election, contest));
  const chart = await eventually(page, 20000, () => checkChart(page, contest));

  const words = {ru: 'Выборка ПВТ, составленная до дня выборов', kk: 'Сайлау күніне дейін құрылған ПВТ іріктемесі'};
  for (const [lang, title] of Object.entries(words)) {
    await page.click(`#languages button[data-lang="${lang}"]`);
    await page.waitForFunction((title) =>
      [...document.querySelectorAll('#pvt-sample-view h3')].some((h) => h.textContent === title),
    title, {timeout: 10000});
  }
  await page.click('#languages button[data-lang="en"]');

  if (url !== apiUrl && apiCalls.length) throw new Error(`the page asked /v1/: ${apiCalls[0]}`);
  if (errors.length) throw new Error(`errors on the page: ${errors.join('; ')}`);
  console.log(`pvt ${sample}; chart: ${chart}; in ru and kk`);
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
