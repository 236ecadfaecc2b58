// The scripts of deploy/components/redis-cluster, run against real redis-servers started with its
// redis.conf, as the pods run them: create-cluster.sh (the create Job) makes 3 masters with a
// replica each, once, takes back a node that lost its volume and makes two more nodes a fourth
// shard; rejoin.sh (every pod's postStart) heals the cluster after every node came back at a new
// address; handover.sh (preStop) makes a stopping master's replica the master. The pods' names are loopback addresses here (127.77.0.x; a "new IP" is 127.77.1.x),
// which getent resolves as it resolves a pod's name. About 20 s.
//
//   node --test redis_cluster_scripts.test.mjs
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const COMPONENT = new URL('../../deploy/components/redis-cluster/', import.meta.url).pathname;
const run = promisify(execFile);
const data = mkdtempSync(join(tmpdir(), 'hattama-redis-cluster-scripts-'));
// Six nodes as production starts them, two more for a fourth shard.
const nodes = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => ({ dir: join(data, `node${i}`), process: null }));
const FIRST = 6;
let port;

// A port free on every address at the moment (the nodes bind it on six loopback addresses).
async function freePort() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, '0.0.0.0', resolve));
  const { port: free } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return free;
}

const addressOf = (i, generation) => `127.77.${generation}.${10 + i}`;
const nodeList = (generation, count = FIRST) =>
  nodes.slice(0, count).map((_, i) => `${addressOf(i, generation)}:${port}`).join(' ');

async function redisCli(address, ...args) {
  const { stdout } = await run('redis-cli', ['-h', address, '-p', String(port), ...args]);
  return stdout.replaceAll('\r', '');
}

async function startNode(i, generation) {
  const address = addressOf(i, generation);
  const child = spawn('redis-server', [
    join(COMPONENT, 'redis.conf'), '--port', String(port), '--bind', address, '--dir',
    nodes[i].dir, '--cluster-announce-ip', address,
    // 5 s in production; the scripts do not depend on it, the test's failure detection does.
    '--cluster-node-timeout', '1000', '--save', '', '--logfile', join(nodes[i].dir, 'log')],
  { stdio: 'ignore' });
  nodes[i].process = child;
  await eventually(`node ${address} answers`, async () =>
    (await redisCli(address, 'ping').catch(() => '')).trim() === 'PONG');
}

// Whether process `pid` is gone or a zombie (it exited and its parent has not reaped it yet).
function exited(pid) {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).startsWith('Z');
  } catch {
    return true;
  }
}

// Sends `signal` and waits until the node's process ended. Not by the child's 'exit' event alone:
// under load, Node was seen never to emit it for a redis-server that had exited.
async function stopNode(i, signal = 'SIGTERM') {
  const child = nodes[i].process;
  nodes[i].process = null;
  const ended = () => child.exitCode !== null || child.signalCode !== null || exited(child.pid);
  if (!child || ended()) return;
  child.kill(signal);
  await eventually(`node ${i} (pid ${child.pid}) exits`, async () => ended());
}

// Polls check() until it returns true, for at most 30 s.
async function eventually(what, check) {
  const deadline = Date.now() + 30000;
  while (!(await check())) {
    if (Date.now() > deadline) assert.fail(`not within 30 s: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// Runs one of the component's scripts; a failure says what the script printed.
async function runScript(script, env, ...args) {
  try {
    return await run('sh', [join(COMPONENT, script), ...args],
                     { env: { ...process.env, WAIT_SECONDS: '30', ...env } });
  } catch (error) {
    assert.fail(`${script} failed:\n${error.stdout}\n${error.stderr}`);
  }
}

const createCluster = (generation, count = FIRST) =>
  runScript('create-cluster.sh', { NODES: nodeList(generation, count), REPLICAS_PER_MASTER: '1' });

// The cluster as one node sees it: id -> { role, master (for a replica), slots, noaddr }.
async function clusterNodes(address) {
  const view = new Map();
  for (const line of (await redisCli(address, 'cluster', 'nodes')).trim().split('\n')) {
    const [id, , flags, master, , , , , ...slots] = line.split(' ');
    view.set(id, {
      role: flags.includes('master') ? 'master' : 'replica',
      master: master === '-' ? null : master,
      slots: slots.join(' '),
      noaddr: flags.includes('noaddr'),
    });
  }
  return view;
}

async function everyNodeReportsOk(generation, count = FIRST) {
  for (let i = 0; i < count; i++) {
    const info = await redisCli(addressOf(i, generation), 'cluster', 'info').catch(() => '');
    if (!info.includes('cluster_state:ok')) return false;
  }
  return true;
}

// `count` masters, each holding slots and with exactly one replica, and nothing else.
function hasMastersWithOneReplicaEach(view, count) {
  const masters = [...view].filter(([, n]) => n.role === 'master');
  const replicas = [...view].filter(([, n]) => n.role === 'replica');
  const replicated = new Set(replicas.map(([, n]) => n.master));
  return masters.length === count && replicas.length === count &&
         masters.every(([id, n]) => n.slots !== '' && replicated.has(id));
}

// "0-4095 8192" -> 4097.
const slotCount = (slots) => slots.split(' ').filter(Boolean).reduce((sum, range) => {
  const [first, last = first] = range.split('-').map(Number);
  return sum + last - first + 1;
}, 0);

const describe = (view) =>
  [...view].map(([id, n]) => `${id.slice(0, 8)} ${n.role} ${n.master?.slice(0, 8) ?? ''} ${n.slots}`)
    .join('; ');

// Every node's view has that shape (roles spread by gossip: a node sees a change a little later).
async function everyNodeSeesMastersWithOneReplicaEach(generation, masters = 3) {
  const count = masters * 2;
  for (let i = 0; i < count; i++) {
    if (!hasMastersWithOneReplicaEach(await clusterNodes(addressOf(i, generation)), masters)) {
      return false;
    }
  }
  return true;
}

before(async () => {
  port = await freePort();
  for (const [i, node] of nodes.entries()) {
    rmSync(node.dir, { recursive: true, force: true });
    await run('mkdir', ['-p', node.dir]);
    if (i < FIRST) await startNode(i, 0);
  }
});

after(async () => {
  for (let i = 0; i < nodes.length; i++) await stopNode(i, 'SIGKILL');
  rmSync(data, { recursive: true, force: true });
});

test('the create Job makes 3 masters with one replica each, and a second run changes nothing',
     async () => {
  const first = await createCluster(0);
  assert.match(first.stdout, /creating the cluster of/);
  await eventually('every node reports cluster_state:ok', () => everyNodeReportsOk(0));
  await eventually('every node sees 3 masters with one replica each',
                   () => everyNodeSeesMastersWithOneReplicaEach(0));
  const made = await clusterNodes(addressOf(0, 0));

  const second = await createCluster(0);
  assert.match(second.stdout, /the cluster exists .*nothing to create/);
  assert.deepEqual(await clusterNodes(addressOf(0, 0)), made);
});

test('a node back on an empty volume is added as a replica and its old identity forgotten',
     async () => {
  const earlier = await clusterNodes(addressOf(0, 0));
  const [lostId] = [...earlier].find(([, n]) => n.role === 'replica');
  const lost = (await Promise.all(nodes.slice(0, FIRST).map(async (_, i) =>
    (await redisCli(addressOf(i, 0), 'cluster', 'myid')).trim()))).indexOf(lostId);
  await stopNode(lost, 'SIGKILL');
  rmSync(nodes[lost].dir, { recursive: true, force: true });
  await run('mkdir', ['-p', nodes[lost].dir]);
  await startNode(lost, 0);

  const again = await createCluster(0);
  assert.match(again.stdout, /knows no other node .*adding it as a replica/);
  await eventually('every node reports cluster_state:ok', () => everyNodeReportsOk(0));
  await eventually('every node sees 3 masters with one replica each',
                   () => everyNodeSeesMastersWithOneReplicaEach(0));
  for (let i = 0; i < FIRST; i++) {
    const view = await clusterNodes(addressOf(i, 0));
    assert.ok(!view.has(lostId), `node ${i} still knows the lost identity: ${describe(view)}`);
  }
});

test('after every node restarted at a new address, rejoin.sh makes them one cluster again',
     async () => {
  const earlier = await clusterNodes(addressOf(0, 0));
  // All at once, as in an outage: stopped one by one, a master's replica still running would take
  // over its slots (a failover, which is not what this test is about).
  await Promise.all(nodes.slice(0, FIRST).map((_, i) => stopNode(i)));
  for (let i = 0; i < FIRST; i++) await startNode(i, 1);

  await Promise.all(nodes.slice(0, FIRST).map((_, i) =>
    runScript('rejoin.sh', { NODES: nodeList(1) }, `${addressOf(i, 1)}:${port}`)));
  await eventually('every node reports cluster_state:ok at its new address',
                   () => everyNodeReportsOk(1));
  await eventually('every node sees 3 masters with one replica each',
                   () => everyNodeSeesMastersWithOneReplicaEach(1));
  const view = await clusterNodes(addressOf(0, 1));
  for (const [id, node] of earlier) assert.equal(view.get(id)?.slots, node.slots, `slots of ${id}`);
});

test('a master about to stop hands its shard to its replica first (handover.sh, preStop)',
     async () => {
  const view = await clusterNodes(addressOf(0, 1));
  const ids = await Promise.all(nodes.slice(0, FIRST).map(async (_, i) =>
    (await redisCli(addressOf(i, 1), 'cluster', 'myid')).trim()));
  const master = ids.findIndex((id) => view.get(id).role === 'master');
  const replica = ids.findIndex((id) => view.get(id).master === ids[master]);

  await runScript('handover.sh', {}, `${addressOf(master, 1)}:${port}`);
  const role = async (i) => (await redisCli(addressOf(i, 1), 'role')).split('\n')[0];
  assert.equal(await role(master), 'slave', 'the stopping master is a replica now');
  assert.equal(await role(replica), 'master', 'its replica took over');
  await eventually('every node reports cluster_state:ok', () => everyNodeReportsOk(1));
  assert.equal((await clusterNodes(addressOf(0, 1))).get(ids[replica]).slots,
               view.get(ids[master]).slots, 'the replica serves the master\'s slots');
});

test('two more nodes make a fourth shard: a new master with its own replica and its share of slots',
     async () => {
  for (const i of [FIRST, FIRST + 1]) await startNode(i, 1);
  const grown = await createCluster(1, FIRST + 2);
  assert.match(grown.stdout, /adding it as a new master/);
  assert.match(grown.stdout, /adding it as a replica of the new master/);
  await eventually('every node reports cluster_state:ok', () => everyNodeReportsOk(1, FIRST + 2));
  await eventually('every node sees 4 masters with one replica each',
                   () => everyNodeSeesMastersWithOneReplicaEach(1, 4));
  const view = await clusterNodes(addressOf(0, 1));
  const newMaster = (await redisCli(addressOf(FIRST, 1), 'cluster', 'myid')).trim();
  // An even share is 16384 / 4 = 4096; rebalance leaves each within a few percent of it.
  assert.ok(slotCount(view.get(newMaster).slots) > 3900, describe(view));
});
