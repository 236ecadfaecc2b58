// The portal's reader of the snapshot files (services/publication/portal/data.js) in node, with
// fetch answering from a table: the index key of a call (the README's format), a call the index
// names read from its file once, a call in a bucket read through its bucket file (FNV-1a of the
// key), a call neither names asked of /v1/, and a new index telling which calls changed, in the
// index and in the buckets read. The browser test (check_portal.mjs) runs it against nginx and
// publication.
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

test('a key\'s bucket: FNV-1a 32-bit of its UTF-8 bytes modulo the count', () => {
  // FNV-1a's published vectors, and the README's worked example.
  assert.equal(data.bucket('', 2 ** 32), 0x811c9dc5);
  assert.equal(data.bucket('a', 2 ** 32), 0xe40c292c);
  assert.equal(data.bucket('foobar', 2 ** 32), 0xbf9cf968);
  assert.equal(data.bucket('GetStationResults?station_id=UIK-00001', 2 ** 32), 0xa6b563f2);
  assert.equal(data.bucket('GetStationResults?station_id=UIK-00001', 64), 50);
});

// An index of format 2 with 4 buckets: `inBuckets` (key -> path) placed by data.bucket.
function index2(sequence, files, inBuckets, bucketPaths) {
  const paths = bucketPaths || ['v/b0.json', 'v/b1.json', 'v/b2.json', 'v/b3.json'];
  const bodies = paths.map(() => ({files: {}}));
  for (const [k, path] of Object.entries(inBuckets)) bodies[data.bucket(k, 4)].files[k] = path;
  const served = {'/data/index.json': {format: 2, sequence, files, buckets: {count: 4, files: paths}}};
  paths.forEach((path, b) => { served[`/data/${path}`] = bodies[b]; });
  return served;
}

test('format 2: a station found through its bucket, the bucket read once, its changes reported', async () => {
  const station = 'GetStationResults?station_id=UIK-00001';
  const list = 'ListStations?area_id=kz-abai-01&contest_id=c';
  const files = {...index2(1, {'GetElection': 'v/aa.json'}, {[station]: 'v/s1.json', [list]: 'v/l1.json'}),
                 '/data/v/aa.json': {name: 'file'}, '/data/v/s1.json': {station: 1},
                 '/data/v/s2.json': {station: 2}, '/data/v/l1.json': {stations: []},
                 '/v1/GetStationResults': {from: 'api'}};
  const fetched = serve(files);
  assert.equal(await data.start(), 'files');
  const stationBucket = `/data/v/b${data.bucket(station, 4)}.json`;
  assert.deepEqual(await data.read('GetStationResults', {station_id: 'UIK-00001'}), {station: 1});
  assert.deepEqual(await data.read('GetStationResults', {station_id: 'UIK-00001'}), {station: 1});
  assert.deepEqual(fetched, ['/data/index.json', stationBucket, '/data/v/s1.json']);
  assert.equal(data.href('GetStationResults', {station_id: 'UIK-00001'}), '/data/v/s1.json');
  assert.deepEqual(await data.read('ListStations', {area_id: 'kz-abai-01', contest_id: 'c'}), {stations: []});
  // A station no bucket names (not in the registry): asked of /v1/.
  assert.deepEqual(await data.read('GetStationResults', {station_id: 'nowhere'}), {from: 'api'});

  // The station's bucket gets a new version naming its new file: reported; the index's own
  // files unchanged.
  const paths = ['v/b0.json', 'v/b1.json', 'v/b2.json', 'v/b3.json'];
  paths[data.bucket(station, 4)] = 'v/b9.json';
  Object.assign(files, index2(2, {'GetElection': 'v/aa.json'}, {[station]: 'v/s2.json', [list]: 'v/l1.json'}, paths));
  fetched.length = 0;
  assert.deepEqual([...await data.poll()], [station]);
  assert.deepEqual(fetched, ['/data/index.json', '/data/v/b9.json']);
  assert.deepEqual(await data.read('GetStationResults', {station_id: 'UIK-00001'}), {station: 2});
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
