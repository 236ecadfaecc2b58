// Drives the portal's "Who observed" view (services/publication/portal/observers.js) in headless
// Chromium against a running stack, as a visitor would:
//   node observers_check.mjs <portal url> <publication HTTP url>
// The portal url is nginx serving the snapshot files; what the page shows is checked against
// publication's own HTTP/JSON API: every organisation's and affiliation's row against
// GetOrganisationDeployment, the coverage sentence, every city's row and the total against
// GetCityDeployment, turnout and each list with and without an independent observer against
// GetObserverEffect; then the view in Russian and Kazakh; and the page asked nothing of /v1/.
// Prints one line, "observers ...", and exits non-zero on any difference.
import { chromium } from 'playwright-core';

const [url, apiUrl] = process.argv.slice(2);
if (!url || !apiUrl) {
  console.error('usage: node observers_check.mjs <portal url> <publication HTTP url>');
  process.exit(2);
}

const api = async (method, params) => {
  const response = await fetch(`${apiUrl}/v1/${method}?${new URLSearchParams(params || {})}`);
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
};
const pct = (v) => new Intl.NumberFormat('en-GB', {style: 'percent', minimumFractionDigits: 2,
                                                   maximumFractionDigits: 2}).format(Number(v || 0) / 100);
const fmt = (v) => new Intl.NumberFormat('en-GB').format(Number(v || 0));
const signed = (v) => new Intl.NumberFormat('en-GB', {minimumFractionDigits: 2, maximumFractionDigits: 2,
                                                      signDisplay: 'exceptZero'}).format(Number(v || 0));
const nameIn = (item, lang) => (item.localized_names || {})[lang] || item.name;
const AFFILIATIONS = {independent: 'independent', party: 'party',
  'authority-affiliated': 'authority-affiliated', international: 'international',
  unregistered: 'not in the registry'};
const ORGANISATION_COLUMNS = ['observers_declared', 'mandates_sent', 'mandates_handed_out',
  'observers_admitted', 'observers_refused', 'observers_removed', 'stations_covered',
  'regions_covered', 'protocols_obtained'];
const CITY_COLUMNS = ['mandates_sent', 'mandates_handed_out', 'stations_covered',
  'protocols_obtained', 'protocols_not_obtained'];

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
    if (tr.dataset[key] === undefined) continue;
    rows[tr.dataset[key]] = [...tr.querySelectorAll('td, th')].map((td) => td.textContent);
  }
  return rows;
}, [table, key]);

async function checkOrganisations(page) {
  const deployment = await api('GetOrganisationDeployment');
  const row = (o, name) => [name, AFFILIATIONS[o.affiliation], ...ORGANISATION_COLUMNS.map((c) => fmt(o[c]))];
  const organisations = {};
  for (const o of deployment.organisations || []) organisations[o.organisation_id] = row(o, o.name || o.organisation_id);
  same('organisations', organisations, await cells(page, 'organisations', 'organisation'));
  const affiliations = {};
  for (const o of deployment.affiliations || []) affiliations[o.affiliation] = row(o, AFFILIATIONS[o.affiliation]);
  same('affiliations', affiliations, await cells(page, 'organisations', 'affiliationRow'));
  const c = deployment.coverage;
  const sentence = `Of ${fmt(c.stations_registered)} stations: an independent observer at ${fmt(c.independent)} ` +
      `(${fmt(c.independent_only)} without an authority-affiliated one), an authority-affiliated observer at ` +
      `${fmt(c.authority_affiliated)} (${fmt(c.authority_affiliated_only)} without an independent one), both at ` +
      `${fmt(c.both)}, neither at ${fmt(c.neither)}.`;
  same('coverage', sentence, await page.evaluate(() => document.getElementById('coverage-note').textContent));
  const admitted = (deployment.affiliations || []).reduce((n, o) => n + Number(o.observers_admitted || 0), 0);
  if (admitted === 0) throw new Error('no observer admitted yet');
  return `${(deployment.organisations || []).length} organisations, ${fmt(c.independent)} stations independent`;
}

async function checkCities(page, election) {
  const table = await api('GetCityDeployment');
  const want = {};
  for (const f of table.cities || []) {
    const area = election.areas.find((a) => a.area_id === f.area_id);
    want[f.area_id] = [area ? nameIn(area, 'en') : f.name, ...CITY_COLUMNS.map((c) => fmt(f[c]))];
  }
  want.total = ['Total', ...CITY_COLUMNS.map((c) => fmt(table.total[c]))];
  same('cities', want, await cells(page, 'cities', 'city'));
  return `${(table.cities || []).length} cities`;
}

async function checkEffect(page, election, contest) {
  const e = await api('GetObserverEffect', {contest_id: contest.contest_id});
  const difference = (f) => {
    const d = `${signed(f.difference_points)} pt`;
    return f.has_interval ? `${d} [${signed(f.ci_low_points)}; ${signed(f.ci_high_points)}]`
                          : `${d} (too few stations for an interval)`;
  };
  const row = (f, name) => [name, pct(f.with_percent), pct(f.without_percent), difference(f)];
  const want = {turnout: row(e.turnout || {}, 'Turnout')};
  const got = {turnout: (await cells(page, 'observer-effect', 'figure')).turnout};
  same('turnout with and without', want, got);
  const options = {};
  for (const o of e.options || []) {
    const option = contest.options.find((x) => x.option_id === o.option_id);
    options[o.option_id] = row(o, option ? nameIn(option, 'en') : o.option_id);
  }
  same('lists with and without', options, await cells(page, 'observer-effect', 'option'));
  same('stations', `${fmt(e.stations_with)} counted stations with an independent observer admitted, ` +
       `${fmt(e.stations_without)} without.`,
       (await page.evaluate(() => document.getElementById('effect-note').textContent)).split(' The difference')[0]);
  if (Number(e.stations_with || 0) === 0) throw new Error('no counted station has an independent observer');
  return `${e.stations_with} stations with, ${e.stations_without} without`;
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
  await page.waitForSelector('#organisations tbody tr', {timeout: 30000});
  const election = await api('GetElection');
  const contest = election.contests[0];

  const organisations = await eventually(page, 20000, () => checkOrganisations(page));
  const cities = await eventually(page, 20000, () => checkCities(page, election));
  const effect = await eventually(page, 20000, () => checkEffect(page, election, contest));

  // In Russian and Kazakh the view's words change, the figures stay.
  const words = {ru: ['Кто наблюдал', 'Мандаты по городам'], kk: ['Кім бақылады', 'Қалалар бойынша мандаттар']};
  for (const [lang, [title, cities]] of Object.entries(words)) {
    await page.click(`#languages button[data-lang="${lang}"]`);
    await page.waitForFunction(([title, cities]) =>
      document.getElementById('observers-title').textContent === title &&
      [...document.querySelectorAll('#observers-view h3')].some((h) => h.textContent === cities),
    [title, cities], {timeout: 10000});
  }
  await page.click('#languages button[data-lang="en"]');

  if (url !== apiUrl && apiCalls.length) throw new Error(`the page asked /v1/: ${apiCalls[0]}`);
  if (errors.length) throw new Error(`errors on the page: ${errors.join('; ')}`);
  console.log(`observers ${organisations}; ${cities}; ${effect}; in ru and kk`);
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
