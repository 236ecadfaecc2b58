// Drives the hub's desk in headless Chromium as its operators would:
//   node check_desk.mjs <desk url> <targets JSON> <tests/portal dir (playwright-core)> <signal dir>
//                       <second desk's https url>
// Targets: [{station, contest, observer}] x 6, stations whose observers the desk's hub relays.
// alice's page is in Russian, bob's in Kazakh, carol's in English.
// Four phases, one browser and the same signed-in operators throughout (their sessions outlive
// the desk's restart). After each phase's line the script waits for desk_test.cc, which stops
// ingestion (then creates <signal dir>/offline), kills and restarts the desk (then
// <signal dir>/restarted) and brings ingestion back a minute after it stopped (then
// <signal dir>/after):
//   typing:  photo 0 typed equally by alice and bob -> accepted on its screen; photo 1 typed
//            differently -> bob sees no figures of alice's, carol sees both and decides -> accepted;
//            photo 2: a control relation broken while typing shows ingestion's flag, a figure
//            above the station's limit its rejection (and cannot be saved), each reason in
//            Russian with its figures and ingestion's English below; typed twice with the flag ->
//            answered with it on the screen (in Kazakh) -> corrected as revision 2 -> accepted.
//   offline: (ingestion stopped) photos 3-5 typed twice, photo 4 differently and settled by
//            carol; they wait in the queue, the progress says ingestion is unreachable.
//   waiting: (desk restarted, ingestion still stopped) photo 3 zoomed and turned by its buttons
//            and keys; on the second desk (HTTPS, sessions ending after 5 s idle): a session that
//            ends while alice types sends her back to sign-in and keeps her figures and her saved
//            entry; signing out ends the session for good; plain HTTP gets no page.
//   after:   (ingestion back) every photo answered once, the resent one DUPLICATE; the progress
//            per region, contest and operator.
// Prints a line a check, each phase's summary starting with its name and a colon; exits non-zero
// on a difference.
import fs from 'node:fs';
import {createRequire} from 'node:module';
import zlib from 'node:zlib';

const [url, targetsJson, portalDir, signalDir, tlsUrl] = process.argv.slice(2);
if (!url || !targetsJson || !portalDir || !signalDir || !tlsUrl) {
  console.error('usage: node check_desk.mjs <desk url> <targets JSON> <tests/portal dir> ' +
                '<signal dir> <second desk https url>');
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

const LOCALES = {alice: 'ru-RU', bob: 'kk-KZ', carol: 'en-US'};

async function signIn(name, at = url) {
  const context = await browser.newContext({locale: LOCALES[name], ignoreHTTPSErrors: true});
  const page = await context.newPage();
  page.on('pageerror', (e) => errors.push(`${name}: ${e.message}`));
  await page.goto(at);
  await login(page, name);
  return page;
}

async function login(page, name) {
  await page.fill('#login-name', name);
  await page.fill('#login-token', `${name}-token`);
  await page.click('#login-button');
  await page.waitForSelector('#main:not([hidden])');
}

const api = (page, path) => page.evaluate(async (p) => (await fetch(p)).json(), path);

async function upload(page, index, seed = index + 3) {
  trace(`upload ${index}`);
  const target = targets[index];
  await page.click('nav button[data-view=upload]');
  await page.fill('#upload-station', target.station);
  await page.fill('#upload-contest', target.contest);
  await page.fill('#upload-observer', target.observer);
  await page.setInputFiles('#upload-file',
                          {name: `protocol-${index}.png`, mimeType: 'image/png', buffer: png(seed)});
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

async function open(page, sha256, at = url) {
  await page.goto(`${at}/?at=${Date.now()}#photo=${sha256}`);
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

// A reason's sentence and ingestion's English beneath it, as shown in `list` (#check, #answer).
const reasonShown = (page, list, code) => page.$eval(
    `${list} li[data-code="${code}"]`,
    (i) => [i.querySelector('.reason-text').textContent, i.querySelector('.original').textContent]);

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
async function signalled(name, ms = 90000) {
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
  const inBoxSum = broken.ballots_valid + broken.ballots_spoiled;
  const [flagRu, flagEn] = await reasonShown(alice, '#check', 'REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX');
  assert(flagRu === `действительных ${broken.ballots_valid} + недействительных ` +
                    `${broken.ballots_spoiled} = ${inBoxSum}, а в ящиках ${broken.ballots_in_box}`,
         `the flag in Russian: ${flagRu}`);
  assert(flagEn === `valid ${broken.ballots_valid} + spoiled ${broken.ballots_spoiled} = ` +
                    `${inBoxSum}, but ${broken.ballots_in_box} in the box`,
         `ingestion's own words: ${flagEn}`);
  const limit = Number(form2.plausible_voter_limit);
  await type(alice, {...broken, ballots_valid: limit + 1});
  const implausible = await reasons(alice);
  assert(implausible.some(([k, c]) => k === 'rejection' && c === 'REASON_CODE_IMPLAUSIBLE'),
         `no rejection above the station's limit ${limit}: ${implausible}`);
  assert(await alice.$eval('#save-button', (e) => e.disabled), 'a rejected figure can be saved');
  const [implausibleRu] = await reasonShown(alice, '#check', 'REASON_CODE_IMPLAUSIBLE');
  assert(implausibleRu === `Действительных бюллетеней: ${limit + 1} — невозможно для участка, ` +
                           `где по реестру ${form2.registry_registered_voters} избирателей: ` +
                           `предел ${limit}`,
         `the rejection in Russian: ${implausibleRu}`);
  await type(alice, broken);
  assert(!(await reasons(alice)).some(([k]) => k === 'rejection'), 'the rejection stayed');
  await save(alice);
  await next(bob, sha2);
  await type(bob, broken);
  await save(bob);
  await answered(bob, ['flagged']);
  const shown = await bob.$$eval('#answer li', (items) => items.map((i) => i.dataset.code));
  assert(shown.includes('REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX'), `answer shows ${shown}`);
  const [answerKk, answerEn] =
      await reasonShown(bob, '#answer', 'REASON_CODE_VALID_PLUS_SPOILED_NOT_IN_BOX');
  assert(answerKk === `жарамды ${broken.ballots_valid} + жарамсыз ${broken.ballots_spoiled} = ` +
                      `${inBoxSum}, бірақ жәшіктерде ${broken.ballots_in_box}` && answerEn === flagEn,
         `the answer in Kazakh: ${answerKk} / ${answerEn}`);
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
              `corrected as revision 2, accepted; reasons shown in Russian ("${flagRu}") and ` +
              `Kazakh ("${answerKk}") beside ingestion's English`);
  return 'typing: three photos accepted';
}

async function offline(alice, bob, carol) {
  const states = [];
  for (const index of [3, 4, 5]) {
    const sha = await upload(bob, index);
    const form = await api(bob, `/api/form?sha256=${sha}`);
    // Photo 4 is read differently by bob; carol settles it with alice's figures.
    for (const [page, shift] of [[alice, 0], [bob, index === 4 ? 5 : 0]]) {
      await next(page, sha);
      await type(page, figuresFor(form, shift));
      await save(page);
    }
    if (index === 4) {
      await open(carol, sha);
      await carol.waitForSelector('#conflict:not([hidden])');
      await carol.click('#conflict-table button[data-use="0"]');
      await carol.waitForSelector('body[data-checking="false"]');
      await save(carol);
    }
    states.push(await state(index === 4 ? carol : bob));
  }
  assert(states.every((s) => ['queued', 'sent'].includes(s)), `while ingestion is down: ${states}`);
  await carol.click('nav button[data-view=progress]');
  await carol.waitForFunction(() => document.getElementById('sender-status').textContent
                                        .includes('unreachable'), null, {timeout: 10000});
  const waiting = await carol.$eval('#sender-status', (e) => Number(e.dataset.unanswered));
  assert(waiting === 3, `${waiting} submissions waiting, expected 3`);
  return `offline: photos 3-5 typed twice while ingestion is down, photo 4 differently and ` +
         `settled by carol (${states.join(' ')}); ${waiting} wait in the queue`;
}

// The photo's transform as [scale, degrees], from the browser's computed matrix.
async function photoTransform(page) {
  const m = await page.$eval('#photo-image', (e) => getComputedStyle(e).transform);
  const [a, b] = m.match(/matrix\(([^)]*)\)/)[1].split(',').map(Number);
  return [Math.hypot(a, b), Math.round(Math.atan2(b, a) * 180 / Math.PI)];
}

// Zoom and rotate beside the form: buttons, keys on the photo, Alt+keys anywhere on its screen.
async function photoView(alice, sha) {
  await open(alice, sha);
  await alice.waitForFunction(() => document.getElementById('photo-image').naturalWidth > 0);
  await alice.click('#view-reset');
  const [fit] = await photoTransform(alice);
  await alice.click('#zoom-in');
  await alice.click('#zoom-in');
  await alice.focus('#photo-viewport');
  await alice.keyboard.press('r');
  await alice.evaluate(() => document.activeElement.blur());
  await alice.keyboard.press('Alt+Minus');
  const [scale, degrees] = await photoTransform(alice);
  assert(Math.abs(scale / fit - 1.25) < 1e-6 && degrees === 90,
         `zoomed twice, turned right, zoomed out: scale ${scale / fit}, ${degrees}°`);
  // The viewport scrolls over the turned photo: its box is the photo's, turned and scaled.
  const [w, h, frameW, frameH] = await alice.$eval('#photo-image', (e) => [
    e.naturalWidth, e.naturalHeight, parseFloat(document.getElementById('photo-frame').style.width),
    parseFloat(document.getElementById('photo-frame').style.height)]);
  assert(Math.abs(frameW - h * scale) < 0.5 && Math.abs(frameH - w * scale) < 0.5,
         `frame ${frameW}x${frameH} for a ${w}x${h} photo at ${scale}`);
  await alice.click('#rotate-left');
  await alice.focus('#photo-viewport');
  await alice.keyboard.press('0');
  const reset = await photoTransform(alice);
  assert(Math.abs(reset[0] - fit) < 1e-6 && reset[1] === 0, `reset: ${reset}`);
  return `photo ${sha.slice(0, 8)} zoomed ×1.25 and turned 90° by buttons and keys, then reset`;
}

// The second desk (HTTPS, sessions ending after 5 s idle): an ended session keeps what was typed.
async function sessions() {
  const alice = await signIn('alice', tlsUrl);
  assert(new URL(alice.url()).protocol === 'https:', `served as ${alice.url()}`);
  const cookies = await alice.context().cookies();
  const session = cookies.find((c) => c.name === 'hattama_desk_session');
  assert(session?.secure && session.httpOnly, `session cookie ${JSON.stringify(session)}`);
  // One entry saved, then another typed and not saved when the session ends.
  const saved = await upload(alice, 0, 41);
  await open(alice, saved, tlsUrl);
  const form = await api(alice, `/api/form?sha256=${saved}`);
  await alice.waitForSelector('body[data-checking="false"]');
  await type(alice, figuresFor(form));
  await save(alice);
  const typing = await upload(alice, 1, 42);
  await open(alice, typing, tlsUrl);
  await alice.waitForSelector('body[data-checking="false"]');
  const figures = figuresFor(await api(alice, `/api/form?sha256=${typing}`), 2);
  await type(alice, figures);
  await alice.waitForTimeout(7000);  // idle past the desk's 5 s
  await alice.click('#save-button');
  await alice.waitForSelector('#login:not([hidden])');
  const why = await alice.$eval('#login-reason', (e) => [e.dataset.reason, e.textContent]);
  assert(why[0] === 'session_ended' && why[1].startsWith('Сеанс завершён'), `sign-in says ${why}`);
  // A fresh page (the operator reloads it): the figures come from the tab's draft, not the form.
  await alice.reload();
  await login(alice, 'alice');
  await alice.waitForFunction((s) => location.hash === `#photo=${s}`, typing);
  await alice.waitForFunction(() => document.querySelector('input[data-field="ballots_valid"]')
                                        ?.value !== '', null, {timeout: 5000}).catch(() => {});
  await alice.waitForSelector('body[data-checking="false"]');
  const kept = await alice.$eval('input[data-field="ballots_valid"]', (e) => e.value);
  assert(kept === String(figures.ballots_valid), `typed figures after signing in again: ${kept}`);
  await save(alice);
  const states = (await api(alice, '/api/photos')).photos.map((p) => p.state);
  assert(states.join() === 'typed_once,typed_once', `after the session ended: ${states}`);

  // Signing out ends the session itself, not only the page's cookie.
  const before = (await alice.context().cookies()).find((c) => c.name === 'hattama_desk_session');
  await alice.click('#sign-out');
  await alice.waitForSelector('#login:not([hidden])');
  const me = await alice.context().request.get(`${tlsUrl}/api/me`, {
    headers: {Cookie: `hattama_desk_session=${before.value}`}});
  assert(me.status() === 401, `the signed-out session still answers ${me.status()}`);
  // The desk speaks only TLS on its port.
  const plain = await fetch(tlsUrl.replace('https:', 'http:'), {signal: AbortSignal.timeout(5000)})
      .then((r) => r.status, () => 'refused');
  assert(plain === 'refused', `plain HTTP answered ${plain}`);
  await alice.context().close();
  return 'over HTTPS (a Secure cookie), a session ended after 5 s idle while alice typed: back ' +
         'to sign-in, her figures kept and saved, her earlier entry kept; signing out ends the ' +
         'session; plain HTTP gets no page';
}

async function waiting(alice, sha3) {
  return `waiting: ${await photoView(alice, sha3)}; ${await sessions()}`;
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
  // Photo 4, settled during the outage, sent carol's decision.
  const photo4 = await api(carol, `/api/photo?sha256=${byStation[targets[4].station].photo_sha256}`);
  assert(photo4.decision.kind === 'settled' && photo4.decision.operator === 'carol',
         `photo 4's decision ${JSON.stringify(photo4.decision)}`);
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
  // alice and bob: photos 0, 1, 3, 4, 5 and photo 2's two revisions, seven entries each, two
  // disagreements (photos 1 and 4), both settled by carol.
  assert(operators.alice?.[0] === '7' && operators.bob?.[0] === '7',
         `entries ${JSON.stringify(operators)}`);
  assert(operators.alice[2].startsWith('2/7') && operators.bob[2].startsWith('2/7'),
         `disagreements ${JSON.stringify(operators)}`);
  assert(operators.carol?.[3] === '2', `carol's decisions ${JSON.stringify(operators)}`);
  const regions = await carol.$$eval('#progress-areas tr[data-contest="mazhilis"]', (r) => r.length);
  return `after: every photo answered once (${states.join(' ')}); the resent one DUPLICATE; ` +
         `progress ${JSON.stringify(total)} over ${regions} region(s); operators ` +
         `${JSON.stringify(operators)}`;
}

let code = 0;
let phase = 'sign-in';
const took = () => `${((Date.now() - started) / 1000).toFixed(1)} s`;
try {
  const [alice, bob, carol] = await Promise.all(['alice', 'bob', 'carol'].map((name) => signIn(name)));
  phase = 'typing';
  console.log(`${await typing(alice, bob, carol)} (${took()})`);
  await signalled('offline');
  phase = 'offline';
  console.log(`${await offline(alice, bob, carol)} (${took()})`);
  await signalled('restarted');
  phase = 'waiting';
  const sha3 = (await api(carol, '/api/photos')).photos
      .find((p) => p.station_id === targets[3].station).photo_sha256;
  console.log(`${await waiting(alice, sha3)} (${took()})`);
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
