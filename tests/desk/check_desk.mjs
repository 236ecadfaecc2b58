// Drives the hub's desk in headless Chromium as its operators would:
//   node check_desk.mjs <desk url> <targets JSON> <tests/portal dir (playwright-core)> <signal dir>
// Targets: [{station, contest, observer}] x 6, stations whose observers the desk's hub relays.
// Three phases, one browser and the same signed-in operators throughout (their sessions outlive
// the desk's restart). After each phase's line the script waits for desk_test.cc, which stops
// ingestion (then creates <signal dir>/offline) and kills and restarts the desk (then
// <signal dir>/after):
//   typing:  photo 0 typed equally by alice and bob -> accepted on its screen; photo 1 typed
//            differently -> bob sees no figures of alice's, carol sees both and decides -> accepted;
//            photo 2: a control relation broken while typing shows ingestion's flag, a figure
//            above the station's limit its rejection (and cannot be saved); typed twice with the
//            flag -> answered with it on the screen -> corrected as revision 2 -> accepted.
//   offline: (ingestion stopped) photos 3-5 typed twice; they wait in the queue, the progress
//            says ingestion is unreachable.
//   after:   (desk killed and restarted, ingestion back) every photo answered, the resent one
//            DUPLICATE; the progress per region, contest and operator.
// Prints a line a check, each phase's summary starting with its name and a colon; exits non-zero
// on a difference.
import fs from 'node:fs';
import {createRequire} from 'node:module';
import zlib from 'node:zlib';

const [url, targetsJson, portalDir, signalDir] = process.argv.slice(2);
if (!url || !targetsJson || !portalDir || !signalDir) {
  console.error('usage: node check_desk.mjs <desk url> <targets JSON> <tests/portal dir> ' +
                '<signal dir>');
  process.exit(2);
}
const {chromium} = createRequire(`${portalDir}/package.json`)('playwright-core');
const targets = JSON.parse(targetsJson);
const started = Date.now();

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

// A small grey PNG, different for each seed: a protocol photo stands-in.
function png(seed) {
  const w = 96, h = 64;
  const raw = Buffer.alloc((w + 1) * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) raw[y * (w + 1) + 1 + x] = (x * seed + y * 13) & 0xff;
  }
  const chunk = (type, data) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const header = Buffer.alloc(13);
  header.writeUInt32BE(w, 0);
  header.writeUInt32BE(h, 4);
  header[8] = 8;  // bit depth; colour type 0 (grey), no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
                        chunk('IHDR', header), chunk('IDAT', zlib.deflateSync(raw)),
                        chunk('IEND', Buffer.alloc(0))]);
}

// Figures that break no relation for the form's station; `shift` moves votes between the first
// two lines (another reading of the same photo).
function figuresFor(form, shift = 0) {
  const registered = Number(form.registry_registered_voters);
  const issued = Math.floor(registered * 0.6);
  const spoiled = 3;
  const valid = issued - spoiled;
  const n = form.options.length;
  const votes = form.options.map(() => Math.floor(valid / n));
  votes[0] += valid - votes.reduce((a, b) => a + b, 0) - shift;
  votes[1] += shift;
  return {
    registered_voters: registered, ballots_received: registered, ballots_issued: issued,
    ballots_cancelled: registered - issued, ballots_in_box: issued, ballots_spoiled: spoiled,
    ballots_valid: valid,
    option_votes: form.options.map((o, i) => ({option_id: o.option_id, votes: votes[i]})),
  };
}

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run',
         '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});
const errors = [];

async function signIn(name) {
  const context = await browser.newContext({locale: 'en-US'});
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
  await page.goto(url);
  await page.fill('#login-name', name);
  await page.fill('#login-token', `${name}-token`);
  await page.click('#login-button');
  await page.waitForSelector('#main:not([hidden])');
  return page;
}

const api = (page, path) => page.evaluate(async (p) => (await fetch(p)).json(), path);

async function upload(page, index) {
  trace(`upload ${index}`);
  const target = targets[index];
  await page.click('nav button[data-view=upload]');
  await page.fill('#upload-station', target.station);
  await page.fill('#upload-contest', target.contest);
  await page.fill('#upload-observer', target.observer);
  await page.setInputFiles('#upload-file',
                          {name: `protocol-${index}.png`, mimeType: 'image/png', buffer: png(index + 3)});
  await page.click('#upload-button');
  await page.waitForSelector('#upload-result[data-sha256]');
  return page.$eval('#upload-result', (e) => e.dataset.sha256);
}

// "Type the next photo", which must be `sha256`.
async function next(page, sha256) {
  trace('next');
  await page.click('#next-button');
  await page.waitForFunction((s) => location.hash === `#photo=${s}` &&
                                    document.getElementById('photo-state').dataset.state,
                             sha256);
  await page.waitForSelector('#figures:not([hidden])');
  await page.waitForSelector('body[data-checking="false"]');
}

async function open(page, sha256) {
  await page.goto(`${url}/?at=${Date.now()}#photo=${sha256}`);
  await page.waitForFunction(() => document.getElementById('photo-state').dataset.state);
}

// Types every figure as a keyboard would (an input event a field), in one round trip to the
// browser: a dozen page.fill calls cost a second a photo. The events are dispatched before it
// returns, so that the wait below is for the check of these very figures.
async function type(page, figures) {
  trace('type');
  await page.evaluate((f) => {
    const set = (input, value) => {
      input.value = String(value);
      input.dispatchEvent(new Event('input', {bubbles: true}));
    };
    for (const [field, value] of Object.entries(f)) {
      if (field !== 'option_votes') set(document.querySelector(`input[data-field="${field}"]`), value);
    }
    for (const line of f.option_votes) {
      set(document.querySelector(`input[data-option="${line.option_id}"]`), line.votes);
    }
  }, figures);
  await page.waitForSelector('body[data-checking="false"]');
}

// The reasons the form shows, as [kind, code].
const reasons = (page) => page.$$eval('#check li', (items) =>
    items.map((i) => [i.className, i.dataset.code]));

const trace = (what) => process.env.DESK_TRACE && console.log(`trace ${Date.now() - started} ms ${what}`);

async function save(page) {
  trace('save');
  await page.waitForSelector('body[data-checking="false"]');
  await page.click('#save-button');
  await page.waitForFunction(() => document.getElementById('photo-message').textContent !== '');
}

const state = (page) => page.$eval('#photo-state', (e) => e.dataset.state);

// Waits on the photo's own screen (which asks again by itself) for one of `states`.
async function answered(page, states, ms = 15000) {
  trace(`waiting for ${states}`);
  await page.waitForFunction(
      (s) => s.includes(document.getElementById('photo-state').dataset.state), states,
      {timeout: ms});
  return state(page);
}

// desk_test.cc's go-ahead for the next phase: a file it creates.
async function signalled(name, ms = 30000) {
  const until = Date.now() + ms;
  while (!fs.existsSync(`${signalDir}/${name}`)) {
    assert(Date.now() < until, `no go-ahead for ${name}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

async function typing(alice, bob, carol) {

  // 1. Typed twice, equally.
  const sha0 = await upload(alice, 0);
  const form0 = await api(alice, `/api/form?sha256=${sha0}`);
  const f0 = figuresFor(form0);
  await next(alice, sha0);
  await type(alice, f0);
  assert((await reasons(alice)).length === 0, `clean figures drew reasons: ${await reasons(alice)}`);
  await save(alice);
  assert(await state(alice) === 'typed_once', `after one entry: ${await state(alice)}`);
  await next(bob, sha0);
  const bobSees = await bob.$$eval('#figures input', (inputs) => inputs.map((i) => i.value).join(''));
  assert(bobSees === '', `bob sees figures before typing: ${bobSees}`);
  assert(await bob.$eval('#conflict', (e) => e.hidden), 'bob sees entries');
  await type(bob, f0);
  await save(bob);
  const outcome0 = await answered(bob, ['accepted']);
  const answer0 = await bob.$eval('#answer', (e) => e.dataset.outcome);
  assert(answer0 === 'OUTCOME_ACCEPTED', `photo 0 answered ${answer0}`);
  console.log(`equal: photo 0 typed by alice and bob, ${outcome0} (${answer0}) on its screen`);

  // 2. Typed twice, differently; settled by carol.
  const sha1 = await upload(alice, 1);
  const form1 = await api(alice, `/api/form?sha256=${sha1}`);
  await next(alice, sha1);
  await type(alice, figuresFor(form1));
  await save(alice);
  await next(bob, sha1);
  await type(bob, figuresFor(form1, 7));
  await save(bob);
  assert(await state(bob) === 'conflict', `after two different entries: ${await state(bob)}`);
  assert(await bob.$eval('#conflict', (e) => e.hidden), 'a typist sees the conflicting entries');
  assert(await bob.$eval('#figures', (e) => e.hidden), 'a typist may settle their own conflict');
  await open(carol, sha1);
  await carol.waitForSelector('#conflict:not([hidden])');
  const heads = await carol.$$eval('#conflict-table tr:first-child td', (c) => c.map((x) => x.textContent));
  assert(heads.join() === ',alice,bob', `conflict columns: ${heads}`);
  const differing = await carol.$$eval('#conflict-table tr[data-differs]', (r) => r.length);
  assert(differing === 2, `${differing} differing lines, expected the two options moved`);
  await carol.click('#conflict-table button[data-use="0"]');
  await carol.waitForSelector('body[data-checking="false"]');
  await save(carol);
  await answered(carol, ['accepted']);
  const photo1 = await api(carol, `/api/photo?sha256=${sha1}`);
  assert(photo1.decision.operator === 'carol' && photo1.decision.kind === 'settled',
         `decision ${JSON.stringify(photo1.decision)}`);
  console.log(`conflict: photo 1, ${differing} lines differ between alice and bob; carol settled ` +
              `it, ${photo1.answer.outcome}`);

  // 3. A control relation broken while typing; a limit passed; a flagged answer corrected.
  const sha2 = await upload(alice, 2);
  const form2 = await api(alice, `/api/form?sha256=${sha2}`);
  const good = figuresFor(form2);
  const broken = {...good, ballots_in_box: good.ballots_in_box + 5};
  await next(alice, sha2);
  await type(alice, broken);
  const flagged = await reasons(alice);
  assert(flagged.some(([k, c]) => k === 'flag' && c === 'REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX'),
         `no flag for valid + spoiled != in box: ${flagged}`);
  assert(await alice.$eval('input[data-field="ballots_in_box"]', (e) => e.classList.contains('warn')),
         'the in-box figure is not marked');
  assert(!(await alice.$eval('#save-button', (e) => e.disabled)), 'a flag blocks saving');
  const limit = Number(form2.plausible_voter_limit);
  await type(alice, {...broken, ballots_valid: limit + 1});
  const implausible = await reasons(alice);
  assert(implausible.some(([k, c]) => k === 'rejection' && c === 'REASON_CODE_IMPLAUSIBLE'),
         `no rejection above the station's limit ${limit}: ${implausible}`);
  assert(await alice.$eval('#save-button', (e) => e.disabled), 'a rejected figure can be saved');
  await type(alice, broken);
  assert(!(await reasons(alice)).some(([k]) => k === 'rejection'), 'the rejection stayed');
  await save(alice);
  await next(bob, sha2);
  await type(bob, broken);
  await save(bob);
  await answered(bob, ['flagged']);
  const shown = await bob.$$eval('#answer li', (items) => items.map((i) => i.dataset.code));
  assert(shown.includes('REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX'), `answer shows ${shown}`);
  await open(carol, sha2);
  await carol.click('#correct-button');
  await carol.waitForFunction(() => document.getElementById('photo-revision').textContent.includes('2'));
  await next(alice, sha2);
  await type(alice, good);
  await save(alice);
  await next(bob, sha2);
  await type(bob, good);
  await save(bob);
  await answered(bob, ['accepted']);
  console.log(`relation: photo 2 flagged while typed (${flagged.map(([, c]) => c).join(' ')}), ` +
              `${limit + 1} valid ballots rejected as implausible; answered with the flag, ` +
              `corrected as revision 2, accepted`);
  return 'typing: three photos accepted';
}

async function offline(alice, bob, carol) {
  const states = [];
  for (const index of [3, 4, 5]) {
    const sha = await upload(bob, index);
    const form = await api(bob, `/api/form?sha256=${sha}`);
    for (const page of [alice, bob]) {
      await next(page, sha);
      await type(page, figuresFor(form));
      await save(page);
    }
    states.push(await state(bob));
  }
  assert(states.every((s) => ['queued', 'sent'].includes(s)), `while ingestion is down: ${states}`);
  await carol.click('nav button[data-view=progress]');
  await carol.waitForFunction(() => document.getElementById('sender-status').textContent
                                        .includes('unreachable'), null, {timeout: 10000});
  const waiting = await carol.$eval('#sender-status', (e) => Number(e.dataset.unanswered));
  assert(waiting === 3, `${waiting} submissions waiting, expected 3`);
  return `offline: photos 3-5 typed twice while ingestion is down (${states.join(' ')}); ` +
         `${waiting} wait in the queue`;
}

async function after(carol) {
  const deadline = Date.now() + 20000;
  let photos;
  for (;;) {
    photos = (await api(carol, '/api/photos')).photos;
    if (photos.every((p) => ['accepted', 'duplicate'].includes(p.state))) break;
    assert(Date.now() < deadline, `not all answered: ${photos.map((p) => p.state)}`);
    await carol.waitForTimeout(200);
  }
  const byStation = Object.fromEntries(photos.map((p) => [p.station_id, p]));
  const states = targets.map((t) => byStation[t.station].state);
  assert(states.join() === 'duplicate,accepted,accepted,accepted,accepted,accepted',
         `states ${states}`);
  // The resent photo's screen says so.
  await open(carol, byStation[targets[0].station].photo_sha256);
  const answer = await carol.$eval('#answer', (e) => e.dataset.outcome);
  assert(answer === 'OUTCOME_DUPLICATE', `photo 0 shows ${answer}`);

  await carol.click('nav button[data-view=progress]');
  await carol.waitForFunction(() => document.getElementById('sender-status').textContent
                                        .includes('reachable'));
  const total = await carol.$$eval('#progress-areas tr[data-region="*"] td[data-count]',
                                   (cells) => Object.fromEntries(
                                       cells.map((c) => [c.dataset.count, Number(c.textContent)])));
  const expected = {received: 6, typed_once: 6, typed_twice: 6, in_conflict: 0, queued: 0, sent: 0,
                    acknowledged: 6, flagged: 0, rejected: 0};
  assert(JSON.stringify(total) === JSON.stringify(expected), `progress ${JSON.stringify(total)}`);
  const operators = await carol.$$eval('#progress-operators tr[data-operator]', (rows) =>
      Object.fromEntries(rows.map((r) => [r.dataset.operator,
                                          [...r.cells].slice(1).map((c) => c.textContent)])));
  // alice and bob: photos 0, 1, 3, 4, 5 and photo 2's two revisions, seven entries each, one
  // disagreement (photo 1).
  assert(operators.alice?.[0] === '7' && operators.bob?.[0] === '7',
         `entries ${JSON.stringify(operators)}`);
  assert(operators.alice[2].startsWith('1/7') && operators.bob[2].startsWith('1/7'),
         `disagreements ${JSON.stringify(operators)}`);
  assert(operators.carol?.[3] === '1', `carol's decisions ${JSON.stringify(operators)}`);
  const regions = await carol.$$eval('#progress-areas tr[data-contest="mazhilis"]', (r) => r.length);
  return `after: every photo answered once (${states.join(' ')}); the resent one DUPLICATE; ` +
         `progress ${JSON.stringify(total)} over ${regions} region(s); operators ` +
         `${JSON.stringify(operators)}`;
}

let code = 0;
let phase = 'sign-in';
const took = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
try {
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map(signIn));
  phase = 'typing';
  console.log(`${await typing(alice, bob, carol)} (${took()})`);
  await signalled('offline');
  phase = 'offline';
  console.log(`${await offline(alice, bob, carol)} (${took()})`);
  await signalled('after');
  phase = 'after';
  console.log(`${await after(carol)} (${took()})`);
  assert(errors.length === 0, `page errors: ${errors.join('; ')}`);
} catch (e) {
  console.log(`FAILED ${phase}: ${e.stack || e}`);
  code = 1;
} finally {
  await browser.close();
}
process.exit(code);
