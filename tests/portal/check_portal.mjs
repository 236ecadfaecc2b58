// Drives the portal in headless Chromium against a running stack, as a visitor would:
//   node check_portal.mjs <portal url> <screenshot.png> <hattama-tlog url>
// 1. loads the page, checks that the national figures shown equal the API's, prints "ready";
// 2. waits (no reload) until the page shows more stations reporting, checks the figures against
//    the API again, prints "updated ... via sse|polling" (how the update came); a second page
//    whose browser lacks EventSource must update too, by polling;
// 3. the observer deployment table against GetDeploymentTable: "deployment";
// 4. the official-against-observers comparison against GetOfficialTotals, GetAreaTotals and
//    ListDiscrepancies: "comparison"; then takes the screenshot;
// 5. a region, a district, its stations against ListStations, a station's page: "stations";
// 6. a phone-sized screen: the page fits its width: "phone";
// 7. the transparency log: the panel shows hattama-tlog's own checkpoint; a station's version
//    checked in the log (and the same from a #check= link) is verified, at the leaf where the
//    log's entry bundles hold its id; an
//    answer altered on the way (a proof hash, the entry) is not verified, naming the check; an
//    unknown id is not in the log; the area view states the log size of its totals: "log".
// Exits non-zero on any difference.
import { chromium } from 'playwright-core';

const [url, screenshot, tlogUrl] = process.argv.slice(2);
if (!url || !screenshot || !tlogUrl) {
  console.error('usage: node check_portal.mjs <portal url> <screenshot.png> <hattama-tlog url>');
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

// Retries `check` (which throws on a difference) for at most `ms`: the page redraws on its own
// schedule.
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
const same = (what, want, got) => {
  if (JSON.stringify(want) !== JSON.stringify(got)) {
    throw new Error(`${what}: the page shows\n${JSON.stringify(got)}\nthe API says\n${JSON.stringify(want)}`);
  }
};
// The text of every cell of a table's body rows, keyed by a data attribute of the row.
const cells = (page, table, key) => page.evaluate(([table, key]) => {
  const rows = {};
  for (const tr of document.querySelectorAll(`#${table} tbody tr`)) {
    rows[tr.dataset[key]] = [...tr.querySelectorAll('td')].map((td) => td.textContent);
  }
  return rows;
}, [table, key]);

const DEPLOYMENT_COLUMNS = ['mandates_sent', 'mandates_handed_out', 'observers_admitted',
  'observers_refused', 'observers_removed', 'stations_covered', 'protocols_obtained',
  'protocols_refused', 'protocols_confiscated', 'protocols_not_obtained'];

async function checkDeployment(page) {
  return eventually(page, 20000, async () => {
    const table = await api('GetDeploymentTable', {});
    const want = {};
    for (const f of [table.nation, ...table.regions]) {
      want[f.area_id] = [f.name || f.area_id, ...DEPLOYMENT_COLUMNS.map((c) => fmt(f[c]))];
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
    const shown = await cells(page, 'comparison', 'option');
    const got = Object.fromEntries(Object.entries(shown).filter(([k]) => k !== 'undefined')
        .map(([k, v]) => [k, [v[1], v[2]]]));
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

// Region → district → its stations → one station, by clicking as a visitor would.
async function checkStations(page, election, contest) {
  const region = await page.locator('#areas tbody tr').first().getAttribute('data-area');
  await page.locator(`#areas tbody tr[data-area="${region}"]`).click();
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
    const shown = await cells(page, 'stations', 'station');
    same(`stations of ${district}`, want,
         Object.fromEntries(Object.entries(shown).map(([k, v]) => [k, v[1]])));
    if (!response.stations.some((s) => s.counted)) throw new Error(`no station of ${district} counted`);
    return response.stations;
  });
  const station = listed.find((s) => s.counted).station.station_id;
  await page.locator(`#stations tbody tr[data-station="${station}"]`).click();
  await page.waitForFunction((id) => {
    const h = document.querySelector('#station h3');
    return h && h.textContent.startsWith(id);
  }, station, {timeout: 20000});
  return `${district} of ${region}: ${listed.length} stations, opened ${station}`;
}

async function checkPhone(browser) {
  const phone = await browser.newPage({viewport: {width: 375, height: 740}, isMobile: true,
                                       hasTouch: true, deviceScaleFactor: 2});
  try {
    await phone.goto(url);
    await phone.waitForSelector('#bars .bar');
    await phone.waitForSelector('#deployment tbody tr');
    const fit = await phone.evaluate(() => ({page: document.documentElement.scrollWidth,
                                             screen: window.innerWidth}));
    if (fit.page > fit.screen) {
      throw new Error(`on a ${fit.screen} px wide screen the page is ${fit.page} px wide`);
    }
    return `${fit.screen} px wide, nothing wider`;
  } finally {
    await phone.close();
  }
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
    const shown = await page.evaluate(() => {
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
         Object.fromEntries(cosigned.map((c) => [c.witness, String(Number(c.tree_size))])), shown.witnesses);
    same(`the log panel ("${shown.status}")`, {hidden: false, size: lines[1], root: lines[2], text: fmt(lines[1])},
         {hidden: shown.hidden, size: shown.size, root: shown.root, text: shown.text});
    if (!shown.signer.includes('signature verified in this browser')) {
      throw new Error(`the panel's signature: ${shown.signer}`);
    }
    return {size: Number(lines[1]), root: lines[2], witnesses: Object.keys(shown.witnesses).join(', ')};
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

  // The area on screen states the tree size its totals were computed at.
  await page.locator('#breadcrumb a').first().click();
  const position = await eventually(page, 30000, async () => {
    const totals = await api('GetAreaTotals', {area_id: nation, contest_id: contest});
    const size = Number((totals.log_position || {}).tree_size || 0);
    if (!size) throw new Error('the totals are not yet in the log');
    const shown = await page.evaluate(() => document.getElementById('log-position').textContent);
    same('the log size of the totals', `Recountable at log size ${fmt(size)}.`, shown);
    return size;
  });
  return `panel at size ${checkpoint.size} cosigned by ${checkpoint.witnesses}; ${id} verified at leaf ${leaf}; altered hash: ` +
         `${badHash}; altered entry: ${badEntry}; unknown id not found; totals at size ${position}`;
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

  // A second visitor whose browser has no EventSource: the page must fall back to polling.
  const old = await browser.newPage({viewport: {width: 1000, height: 1500}});
  old.on('pageerror', (e) => errors.push(`(without EventSource) ${e.message}`));
  await old.addInitScript(() => { delete window.EventSource; });
  await old.goto(url);
  await old.waitForSelector('#bars .bar');

  const before = await agreeWithApi(page, nation, contest, 15000);
  const oldBefore = await agreeWithApi(old, nation, contest, 15000);
  if (oldBefore.coverage !== before.coverage) {
    throw new Error(`the two pages start apart: ${before.coverage} and ${oldBefore.coverage}`);
  }
  console.log(`ready ${before.coverage}`);

  const changed = (p) => p.waitForFunction(
      (coverage) => document.getElementById('coverage').textContent !== coverage,
      before.coverage, {timeout: 60000, polling: 200});
  await Promise.all([changed(page), changed(old)]);
  const after = await agreeWithApi(page, nation, contest, 15000);
  await agreeWithApi(old, nation, contest, 15000);
  const rows = await page.locator('#areas tbody tr').count();
  if (rows === 0) throw new Error('the region table is empty');
  const path = await page.evaluate(() => document.body.dataset.live);
  const oldPath = await old.evaluate(() => document.body.dataset.live);
  if (oldPath !== 'polling') throw new Error(`without EventSource the page says ${oldPath}`);
  await old.close();
  console.log(`updated ${after.coverage} (${rows} regions) via ${path}; without EventSource via ${oldPath}`);

  console.log(`deployment ${await checkDeployment(page)}`);
  console.log(`comparison ${await checkComparison(page, nation, contest)}`);
  await page.screenshot({path: screenshot, fullPage: true});
  console.log(`stations ${await checkStations(page, election, contest)}`);
  console.log(`phone ${await checkPhone(browser)}`);
  console.log(`log ${await checkLog(browser, page, nation, contest)}`);
  if (errors.length) throw new Error(`errors in the page: ${errors.join('; ')}`);
} catch (e) {
  console.error(e.message);
  process.exitCode = 1;
} finally {
  await browser.close();
}
