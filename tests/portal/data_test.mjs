// The portal's reader of the snapshot files (services/publication/portal/data.js) in node, with
// fetch answering from a table: the index key of a call (the README's format), a call the index
// names read from its file once, a call it does not name asked of /v1/, and a new index telling
// which calls changed. The browser test (check_portal.mjs) runs it against nginx and publication.
//   node --test data_test.mjs
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import test from 'node:test';

const require = createRequire(import.meta.url);
globalThis.location = new URL('http://portal.example/');
const data = require('../../services/publication/portal/data.js');

// fetch from `files` (path -> body, or a number for an HTTP status); records what was fetched.
function serve(files) {
  const fetched = [];
  globalThis.fetch = async (url) => {
    const path = new URL(String(url), location.href);
    fetched.push(path.pathname + path.search);
    const body = files[path.pathname + path.search] ?? files[path.pathname];
    if (body === undefined || typeof body === 'number') {
      return {ok: false, status: body || 404, json: async () => { throw new SyntaxError('not JSON'); }};
    }
    return {ok: true, status: 200, json: async () => structuredClone(body)};
  }
  return fetched;
}

test('the key of a call: the method, then its parameters sorted, defaults left out', () => {
  assert.equal(data.key('GetElection', {}), 'GetElection');
  assert.equal(data.key('GetSeats', {threshold_percent: 7, contest_id: 'mazhilis', area_id: 'kz'}),
               'GetSeats?area_id=kz&contest_id=mazhilis&threshold_percent=7');
  assert.equal(data.key('ListStations', {area_id: 'kz-abai-01', contest_id: 'c', page_token: ''}),
               'ListStations?area_id=kz-abai-01&contest_id=c');
  assert.equal(data.key('GetStationResults', {station_id: 'UIK 1/2'}), 'GetStationResults?station_id=UIK+1%2F2');
});

test('without an index every call goes to /v1/', async () => {
  const fetched = serve({'/v1/GetElection': {name: 'from the API'}});
  assert.equal(await data.start(), 'api');
  assert.deepEqual(await data.read('GetElection', {}), {name: 'from the API'});
  assert.deepEqual(fetched, ['/data/index.json', '/v1/GetElection']);
});

test('with an index: files read once, unnamed calls from /v1/, changes reported', async () => {
  const index = {format: 1, sequence: 1, files: {'GetElection': 'v/aa.json',
                                                 'GetAreaTotals?area_id=kz&contest_id=c': 'v/bb.json'}};
  const files = {'/data/index.json': index, '/data/v/aa.json': {name: 'file'},
                 '/data/v/bb.json': {turnout_percent: 1}, '/data/v/cc.json': {turnout_percent: 2},
                 '/v1/GetPvtEstimate': {from: 'api'}};
  const fetched = serve(files);
  assert.equal(await data.start(), 'files');
  const used = new Set();
  assert.deepEqual(await data.read('GetElection', {}, used), {name: 'file'});
  assert.deepEqual(await data.read('GetElection', {}, used), {name: 'file'});
  assert.deepEqual(await data.read('GetPvtEstimate', {contest_id: 'c'}, used), {from: 'api'});
  assert.deepEqual([...used], ['GetElection', 'GetPvtEstimate?contest_id=c']);
  assert.deepEqual(fetched, ['/data/index.json', '/data/v/aa.json', '/v1/GetPvtEstimate?contest_id=c']);
  assert.equal(data.href('GetElection', {}), '/data/v/aa.json');

  assert.equal(await data.poll(), null, 'the same sequence: nothing changed');
  files['/data/index.json'] = {format: 1, sequence: 2, files: {
    'GetElection': 'v/aa.json', 'GetAreaTotals?area_id=kz&contest_id=c': 'v/cc.json',
    'GetPvtEstimate?contest_id=c': 'v/dd.json'}};
  assert.deepEqual([...await data.poll()].sort(),
                   ['GetAreaTotals?area_id=kz&contest_id=c', 'GetPvtEstimate?contest_id=c']);
  assert.deepEqual(await data.read('GetAreaTotals', {contest_id: 'c', area_id: 'kz'}), {turnout_percent: 2});

  files['/data/index.json'] = 503;
  assert.equal(await data.poll(), null, 'an index that cannot be read keeps the last one');
  assert.equal(data.mode, 'files');
});
