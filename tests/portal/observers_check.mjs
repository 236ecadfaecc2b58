// Drives the portal's "Who observed" view (services/publication/portal/observers.js) in headless
// Chromium against a running stack, as a visitor would:
//   node observers_check.mjs <portal url> <publication HTTP url>
// The portal url is nginx serving the snapshot files; what the page shows is checked against
// publication's own HTTP/JSON API: every organisation's and affiliation's row against
// GetOrganisationDeployment, the coverage sentence, every city's row and the total against
// GetCityDeployment, turnout and each list with and without an independent observer against
// GetObserverEffect; then the view in Russian and Kazakh; and the page asked nothing of /v1/.
// Prints one line, "observers ...", and exits non-zero on any difference.
import {apiOf, eventually, fmt, nameIn, pct, rows, runView, same, urls} from './view_check.mjs';

const {url, apiUrl} = urls('observers_check.mjs');
const api = apiOf(apiUrl);
const signed = (v) => new Intl.NumberFormat('en-GB', {minimumFractionDigits: 2, maximumFractionDigits: 2,
                                                      signDisplay: 'exceptZero'}).format(Number(v || 0));
const AFFILIATIONS = {independent: 'independent', party: 'party',
  'authority-affiliated': 'authority-affiliated', international: 'international',
  unregistered: 'not in the registry'};
const ORGANISATION_COLUMNS = ['observers_declared', 'mandates_sent', 'mandates_handed_out',
  'observers_admitted', 'observers_refused', 'observers_removed', 'stations_covered',
  'regions_covered', 'protocols_obtained'];
const CITY_COLUMNS = ['mandates_sent', 'mandates_handed_out', 'stations_covered',
  'protocols_obtained', 'protocols_not_obtained'];

async function checkOrganisations(page) {
  const deployment = await api('GetOrganisationDeployment');
  const row = (o, name) => [name, AFFILIATIONS[o.affiliation], ...ORGANISATION_COLUMNS.map((c) => fmt(o[c]))];
  const organisations = {};
  for (const o of deployment.organisations || []) organisations[o.organisation_id] = row(o, o.name || o.organisation_id);
  same('organisations', organisations, await rows(page, 'organisations', 'organisation'));
  const affiliations = {};
  for (const o of deployment.affiliations || []) affiliations[o.affiliation] = row(o, AFFILIATIONS[o.affiliation]);
  same('affiliations', affiliations, await rows(page, 'organisations', 'affiliationRow'));
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
  same('cities', want, await rows(page, 'cities', 'city'));
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
  const got = {turnout: (await rows(page, 'observer-effect', 'figure')).turnout};
  same('turnout with and without', want, got);
  const options = {};
  for (const o of e.options || []) {
    const option = contest.options.find((x) => x.option_id === o.option_id);
    options[o.option_id] = row(o, option ? nameIn(option, 'en') : o.option_id);
  }
  same('lists with and without', options, await rows(page, 'observer-effect', 'option'));
  same('stations', `${fmt(e.stations_with)} counted stations with an independent observer admitted, ` +
       `${fmt(e.stations_without)} without.`,
       (await page.evaluate(() => document.getElementById('effect-note').textContent)).split(' The difference')[0]);
  if (Number(e.stations_with || 0) === 0) throw new Error('no counted station has an independent observer');
  return `${e.stations_with} stations with, ${e.stations_without} without`;
}

await runView('observers', {url, apiUrl}, async (page) => {
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

  return `${organisations}; ${cities}; ${effect}; in ru and kk`;
});
