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
import { apiOf, decimal, eventually, fmt, nameIn, pct, rows, runView, same, urls } from './view_check.mjs';

const where = urls('pvt_check.mjs');
const api = apiOf(where.apiUrl);
const cell = (o) => (o ? `${pct(o.share_percent)} ± ${decimal(o.margin_percent)} pt` : '–');

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
  same('estimates side by side', both, await rows(page, 'pvt-both', 'option'));
  const regions = {};
  for (const r of s.strata || []) {
    const area = election.areas.find((a) => a.area_id === r.area_id);
    const completion = pct(r.completion_percent);
    regions[r.area_id] = [nameIn(area, 'en'), fmt(r.stations_sampled), fmt(r.stations_reported),
                          r.under_reported ? `${completion}, under-reported` : completion];
  }
  same('completion per region', regions, await rows(page, 'pvt-completion', 'region'));
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

await runView('pvt', where, async (page) => {
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
  return `${sample}; chart: ${chart}; in ru and kk`;
});
