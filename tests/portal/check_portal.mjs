// Drives the portal in headless Chromium against a running stack, as a visitor would:
//   node check_portal.mjs <portal url> <screenshot.png>
// 1. loads the page, checks that the national figures shown equal the API's, prints "ready";
// 2. waits (no reload) until the page shows more stations reporting, checks the figures against
//    the API again, takes a screenshot, prints "updated". Exits non-zero on any difference.
import { chromium } from 'playwright-core';

const [url, screenshot] = process.argv.slice(2);
if (!url || !screenshot) {
  console.error('usage: node check_portal.mjs <portal url> <screenshot.png>');
  process.exit(2);
}

const api = async (method, params) => {
  const response = await fetch(`${url}/v1/${method}?${new URLSearchParams(params)}`);
  if (!response.ok) throw new Error(`${method}: HTTP ${response.status} ${await response.text()}`);
  return response.json();
};
const pct = (v) => `${Number(v || 0).toFixed(2)} %`;
const fmt = (v) => Number(v || 0).toLocaleString('en-US');

// What the page must show for `totals`, and what it shows.
function expected(totals) {
  const bars = {};
  for (const o of totals.options) bars[o.option_id] = pct(o.share_percent);
  return {
    turnout: pct(totals.turnout_percent),
    spoiled: pct(totals.spoiled_percent),
    coverage: `${fmt(totals.stations_reporting)} of ${fmt(totals.stations_registered)}`,
    flagged: fmt(totals.flagged_count),
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

// The page and the API read at slightly different moments while results stream in: compare
// until they agree on the same totals, for at most `ms`.
async function agreeWithApi(page, nation, contest, ms) {
  const until = Date.now() + ms;
  let last;
  while (Date.now() < until) {
    const want = expected(await api('GetAreaTotals', {area_id: nation, contest_id: contest}));
    const got = await shown(page);
    if (JSON.stringify(want) === JSON.stringify(got)) return got;
    last = {want, got};
    await page.waitForTimeout(250);
  }
  throw new Error(`the page does not show the API's figures:\n${JSON.stringify(last, null, 1)}`);
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
try {
  const page = await browser.newPage({viewport: {width: 1000, height: 1500}});
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(url);
  await page.waitForSelector('#bars .bar');
  const election = await api('GetElection', {});
  const nation = election.areas.find((a) => !a.parent_id).area_id;
  const contest = election.contests[0].contest_id;

  const before = await agreeWithApi(page, nation, contest, 15000);
  console.log(`ready ${before.coverage}`);

  await page.waitForFunction(
      (coverage) => document.getElementById('coverage').textContent !== coverage,
      before.coverage, {timeout: 60000, polling: 200});
  const after = await agreeWithApi(page, nation, contest, 15000);
  const rows = await page.locator('#areas tbody tr').count();
  if (rows === 0) throw new Error('the region table is empty');
  await page.screenshot({path: screenshot, fullPage: true});
  if (errors.length) throw new Error(`errors in the page: ${errors.join('; ')}`);
  console.log(`updated ${after.coverage} (${rows} regions)`);
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
