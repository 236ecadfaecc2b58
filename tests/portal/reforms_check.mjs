// Drives the portal's "What the reforms would change" view (services/publication/portal/reforms.js)
// in headless Chromium against a running stack, as a visitor would:
//   node reforms_check.mjs <portal url> <publication HTTP url>
// The portal url is nginx serving the snapshot files; what the page shows is checked against
// publication's own HTTP/JSON API (GetReforms of the first contest): every list's share and seats
// at 7 %, at 3 % and in the mixed system, the against-all sentence, the turnout sentence and the
// share of registered voters and of the population whose votes elected the seats; then the
// view's words in Russian and Kazakh; and the page asked nothing of /v1/.
// Prints one line, "reforms ...", and exits non-zero on any difference.
import {apiOf, eventually, fmt, nameIn, pct, rows, runView, same, urls} from './view_check.mjs';

const {url, apiUrl} = urls('reforms_check.mjs');
const api = apiOf(apiUrl);
const num = (v) => Number(v || 0);
const text = (page, id) => page.evaluate((id) => document.getElementById(id).textContent, id);

async function check(page, contest) {
  const r = await api('GetReforms', {contest_id: contest.contest_id});
  const mixed = num(r.mixed_constituency_seats) > 0;
  if (!mixed) throw new Error('the mixed system is missing: too few districts?');
  const seats = {};
  for (const o of r.options) {
    const option = contest.options.find((x) => x.option_id === o.option_id);
    seats[o.option_id] = [nameIn(option, 'en'), pct(o.share_percent),
      o.against_all ? '—' : fmt(o.seats_current_threshold),
      o.against_all ? '—' : fmt(o.seats_proposed_threshold),
      o.against_all ? '—' : `${fmt(o.mixed_list_seats)} + ${fmt(o.mixed_constituency_seats)} = ` +
                            fmt(num(o.mixed_list_seats) + num(o.mixed_constituency_seats))];
  }
  same('seats', seats, await rows(page, 'reforms-seats', 'option'));

  const a = r.against_all || {};
  if (!a.on_ballot) throw new Error('the synthetic ballot has no "against all" line');
  same('against all', a.exceeds_max
    ? `"Against all": ${pct(a.share_percent)}, above the ${pct(a.max_percent)} maximum: the election would be void and held again with new lists; no seat is given.`
    : `"Against all": ${pct(a.share_percent)}, within the ${pct(a.max_percent)} maximum: the election stands.`,
  await text(page, 'reforms-against-all'));

  const areas = r.areas_below_min_turnout || [];
  const kind = (k) => fmt(areas.filter((x) => x.kind === k).length);
  const below = num(r.turnout_percent) < num(r.min_turnout_percent);
  const under = `Under it: ${kind('AREA_KIND_REGION')} regions, ${kind('AREA_KIND_DISTRICT')} ` +
      `districts, ${fmt((r.contests_below_min_turnout || []).length)} contests.`;
  same('turnout', below
    ? `Turnout ${pct(r.turnout_percent)}, under the ${pct(r.min_turnout_percent)} minimum: the election would be invalid. ${under}`
    : `Turnout ${pct(r.turnout_percent)}, at or above the ${pct(r.min_turnout_percent)} minimum. ${under}`,
  await text(page, 'reforms-turnout'));

  const decided = (name, d) => [name, fmt(d.votes), pct(d.registered_percent),
                                d.population_percent === undefined ? '—' : pct(d.population_percent)];
  same('whose votes elected', {
    current: decided('Seats at 7 %', r.decided_current_threshold),
    proposed: decided('Seats at 3 %', r.decided_proposed_threshold),
    mixed: decided('Mixed: list + constituencies', r.decided_mixed),
  }, await rows(page, 'reforms-decided', 'system'));
  if (r.decided_current_threshold.population_percent === undefined) {
    throw new Error('the synthetic registry gives a population: its share is missing');
  }
  return `${r.options.length} lines, ${r.constituencies.length} constituencies, ` +
      `${pct(r.decided_current_threshold.registered_percent)} of voters elected at 7 %`;
}

await runView('reforms', {url, apiUrl}, async (page) => {
  await page.waitForSelector('#reforms-seats tbody tr', {timeout: 30000});
  const election = await api('GetElection');
  const contest = election.contests[0];
  // The files follow the API within a snapshot cycle or two.
  const checked = await eventually(page, 20000, () => check(page, contest));

  // In Russian and Kazakh the view's words change, the figures stay.
  const words = {ru: ['Что изменили бы реформы', 'Чьи голоса избрали депутатов'],
                 kk: ['Реформалар нені өзгертер еді', 'Депутаттарды кімдердің дауыстары сайлады']};
  for (const [lang, [title, decided]] of Object.entries(words)) {
    await page.click(`#languages button[data-lang="${lang}"]`);
    await page.waitForFunction(([title, decided]) =>
      document.getElementById('reforms-title').textContent === title &&
      [...document.querySelectorAll('#reforms-view h3')].some((h) => h.textContent === decided),
    [title, decided], {timeout: 10000});
  }
  await page.click('#languages button[data-lang="en"]');

  return `${checked}; in ru and kk`;
});
