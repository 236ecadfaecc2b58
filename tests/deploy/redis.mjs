// The Redis of a rendered overlay, checked as Redis and the services would see it: either one
// primary (components/redis-single) that the services name in HATTAMA_REDIS_ADDRESS, or a Redis
// Cluster (components/redis-cluster) whose nodes can find each other and fail over, whose create
// Job gives every master a replica, and that the services reach through
// HATTAMA_REDIS_CLUSTER_SEEDS without asking for more replica acknowledgements than there are
// replicas. validate.mjs calls checkRedis with the rendered objects.

// What the services' cluster client retries a call for (ClusterConnection::Options::retry_for,
// common/redis/cluster.h): a failover (cluster-node-timeout, then an election of about a second)
// must end inside it, or writes fail instead of waiting.
const CLIENT_RETRY_MS = 10000;
const MAX_NODE_TIMEOUT_MS = CLIENT_RETRY_MS / 2;
const REDIS_PORT = 6379;
const BUS_PORT = REDIS_PORT + 10000;

// objects: every rendered object; problem(text): records one problem.
export function checkRedis(objects, problem) {
  const ofKind = (kind) => objects.filter((o) => o.kind === kind);
  const redis = ofKind('StatefulSet').filter((s) =>
    s.spec.template.spec.containers.some((c) => /^redis(:|$)/.test(c.image)));
  if (redis.length !== 1) {
    problem(`expected one Redis StatefulSet, found ${redis.length}`);
    return;
  }
  const statefulSet = redis[0];
  const clients = ofKind('Deployment').filter(
    (d) => d.spec.template.metadata.labels?.['hattama.kz/redis-client'] === 'true');
  const config = redisConfig(statefulSet, ofKind('ConfigMap'));
  if (config.get('cluster-enabled') === 'yes') {
    checkCluster({ statefulSet, config, clients, ofKind, problem });
  } else {
    checkSingle({ statefulSet, config, clients, ofKind, problem });
  }
}

// --- One primary -------------------------------------------------------------------------------
function checkSingle({ statefulSet, config, clients, ofKind, problem }) {
  const name = statefulSet.metadata.name;
  if (statefulSet.spec.replicas !== 1) {
    problem(`StatefulSet/${name}: ${statefulSet.spec.replicas} replicas of a Redis without ` +
            'cluster-enabled: they would be separate Redis servers');
  }
  checkDurability(`StatefulSet/${name}`, config, problem);
  const service = servicesOf(statefulSet, ofKind)[0];
  const address = `${service?.metadata.name}:${REDIS_PORT}`;
  for (const client of clients) {
    const env = envOf(client);
    if (env.get('HATTAMA_REDIS_ADDRESS') !== address) {
      problem(`Deployment/${client.metadata.name}: HATTAMA_REDIS_ADDRESS is ` +
              `${env.get('HATTAMA_REDIS_ADDRESS')}, not Redis' Service ${address}`);
    }
    for (const variable of ['HATTAMA_REDIS_CLUSTER_SEEDS', 'HATTAMA_REDIS_REPLICA_ACKS']) {
      // The service refuses replica acks without a cluster (common/redis/client.h).
      if (env.get(variable) && env.get(variable) !== '0') {
        problem(`Deployment/${client.metadata.name}: ${variable} is set, but ${name} is no ` +
                'cluster');
      }
    }
  }
  const admitted = admissions(statefulSet, ofKind);
  if (admitted.length === 0 ||
      admitted.some(({ peer }) => peer !== 'redis-client')) {
    problem('Redis: a NetworkPolicy must admit only pods labelled hattama.kz/redis-client');
  }
}

// --- A cluster of masters with replicas ---------------------------------------------------------
function checkCluster({ statefulSet, config, clients, ofKind, problem }) {
  const name = statefulSet.metadata.name;
  const where = `StatefulSet/${name}`;
  const spec = statefulSet.spec;
  const pod = spec.template.spec;
  const nodes = spec.replicas;

  checkDurability(where, config, problem);
  const timeout = Number(config.get('cluster-node-timeout'));
  if (!(timeout > 0 && timeout <= MAX_NODE_TIMEOUT_MS)) {
    problem(`${where}: cluster-node-timeout ${config.get('cluster-node-timeout')}: set it, at most ` +
            `${MAX_NODE_TIMEOUT_MS} ms, so a failover ends within the clients' ` +
            `${CLIENT_RETRY_MS} ms of retries`);
  }
  if (config.get('protected-mode') !== 'no') {
    problem(`${where}: protected-mode must be no (with a config file Redis refuses every client ` +
            'that is not on loopback; the NetworkPolicy is the boundary)');
  }
  // Each pod is ready only once the cluster is, which needs all of them: one after another would
  // wait forever.
  if (spec.podManagementPolicy !== 'Parallel') {
    problem(`${where}: podManagementPolicy must be Parallel (its pods are ready only once the ` +
            'cluster of all of them is)');
  }
  const redis = pod.containers.find((c) => /^redis(:|$)/.test(c.image));
  const readiness = (redis.readinessProbe?.exec?.command ?? []).join(' ');
  if (!readiness.includes('cluster_state:ok')) {
    problem(`${where}: the readiness probe must check cluster_state:ok`);
  }
  const antiAffinity = pod.affinity?.podAntiAffinity?.requiredDuringSchedulingIgnoredDuringExecution
    ?? [];
  if (!antiAffinity.some((term) => term.topologyKey === 'kubernetes.io/hostname' &&
                                   selects(term.labelSelector, spec.template))) {
    problem(`${where}: needs a required podAntiAffinity on kubernetes.io/hostname against its own ` +
            'pods, or a master and its replica may share a machine');
  }

  const service = servicesOf(statefulSet, ofKind).find(
    (s) => s.metadata.name === spec.serviceName);
  if (!service || service.spec.clusterIP !== 'None' || !service.spec.publishNotReadyAddresses) {
    problem(`${where}: its serviceName ${spec.serviceName} must be a headless Service (clusterIP ` +
            'None) that publishes not-ready pods (publishNotReadyAddresses), for the nodes to ' +
            'find each other before the cluster exists');
  }
  const servicePorts = new Set((service?.spec.ports ?? []).map((p) => p.port));
  for (const port of [REDIS_PORT, BUS_PORT]) {
    if (!servicePorts.has(port)) problem(`Service/${spec.serviceName}: does not expose ${port}`);
  }
  const podName = (i) => `${name}-${i}.${spec.serviceName}:${REDIS_PORT}`;
  const allNodes = Array.from({ length: nodes }, (_, i) => podName(i)).join(' ');

  const budgets = ofKind('PodDisruptionBudget').filter((b) => selects(b.spec.selector, spec.template));
  if (!budgets.some((b) => b.spec.maxUnavailable === 1 || b.spec.minAvailable === nodes - 1)) {
    problem(`${where}: no PodDisruptionBudget keeps all but one of its pods up (maxUnavailable 1)`);
  }

  const replicasPerMaster = checkCreateJob({ statefulSet, allNodes, ofKind, problem });
  if (envOfContainer(redis).get('NODES') !== allNodes) {
    problem(`${where}: NODES (for rejoin.sh) must list its ${nodes} pods: ${allNodes}`);
  }

  const seedNames = new Set([
    ...Array.from({ length: nodes }, (_, i) => podName(i)), `${spec.serviceName}:${REDIS_PORT}`]);
  for (const client of clients) {
    const at = `Deployment/${client.metadata.name}`;
    const env = envOf(client);
    const seeds = (env.get('HATTAMA_REDIS_CLUSTER_SEEDS') ?? '').split(',').filter(Boolean);
    if (seeds.length === 0) problem(`${at}: HATTAMA_REDIS_CLUSTER_SEEDS is not set`);
    for (const seed of seeds.filter((s) => !seedNames.has(s))) {
      problem(`${at}: HATTAMA_REDIS_CLUSTER_SEEDS names ${seed}, which is no node of ${name} ` +
              `(${podName(0)}, ... or ${spec.serviceName}:${REDIS_PORT})`);
    }
    if (env.has('HATTAMA_REDIS_ADDRESS')) {
      problem(`${at}: HATTAMA_REDIS_ADDRESS is set beside the cluster's seeds, which override it`);
    }
    checkReplicaAcks(at, client, env.get('HATTAMA_REDIS_REPLICA_ACKS'), replicasPerMaster, problem);
  }

  checkClusterPolicy(statefulSet, ofKind, problem);
}

// The Job that makes the nodes one cluster; returns its replicas per master.
function checkCreateJob({ statefulSet, allNodes, ofKind, problem }) {
  const where = `StatefulSet/${statefulSet.metadata.name}`;
  const nodes = statefulSet.spec.replicas;
  const scriptOf = (c) => [...(c.command ?? []), ...(c.args ?? [])].find(
    (a) => a.endsWith('/create-cluster.sh'));
  const jobs = ofKind('Job').filter((j) => j.spec.template.spec.containers.some(scriptOf));
  if (jobs.length !== 1) {
    problem(`${where}: expected one Job running create-cluster.sh, found ${jobs.length}`);
    return 0;
  }
  const job = jobs[0];
  const container = job.spec.template.spec.containers.find(scriptOf);
  const env = envOfContainer(container);
  const perMaster = Number(env.get('REPLICAS_PER_MASTER'));
  if (env.get('NODES') !== allNodes) {
    problem(`Job/${job.metadata.name}: NODES must list the ${nodes} pods of ` +
            `${statefulSet.metadata.name}, in order: ${allNodes}`);
  }
  if (!(perMaster >= 1)) {
    problem(`Job/${job.metadata.name}: REPLICAS_PER_MASTER ${env.get('REPLICAS_PER_MASTER')}: ` +
            'every master needs a replica to fail over to');
  }
  const masters = nodes / (1 + perMaster);
  if (perMaster >= 1 && (!Number.isInteger(masters) || masters < 3)) {
    problem(`${where}: ${nodes} nodes are not 3 or more masters with ${perMaster} replica(s) each ` +
            '(Redis Cluster needs 3 masters for a majority to fail one over)');
  }
  const script = fileOf(job.spec.template.spec, container, scriptOf(container), ofKind('ConfigMap'));
  if (!/--cluster create [^\n]*--cluster-replicas "\$REPLICAS_PER_MASTER"/.test(script ?? '')) {
    problem(`Job/${job.metadata.name}: its create-cluster.sh must run redis-cli --cluster create ` +
            '... --cluster-replicas "$REPLICAS_PER_MASTER"');
  }
  return perMaster;
}

// A writer (every Redis client but publication and the portal's snapshot writer, which only read)
// waits for acks replicas of each master (WAIT): at least 1, so an acknowledged write survives its
// master, and at most the replicas there are, or no write is ever acknowledged.
function checkReplicaAcks(at, client, value, replicasPerMaster, problem) {
  const acks = Number(value ?? 0);
  const writes = !['hattama-publication', 'hattama-portal'].includes(client.metadata.name);
  if (writes && acks < 1) {
    problem(`${at}: HATTAMA_REDIS_REPLICA_ACKS ${value ?? 'unset'}: a write must wait for a ` +
            'replica, or a failover may lose it');
  }
  if (acks > replicasPerMaster) {
    problem(`${at}: HATTAMA_REDIS_REPLICA_ACKS ${acks} > ${replicasPerMaster} replica(s) per ` +
            'master: no write could be acknowledged');
  }
}

// The cluster bus only between the nodes; the Redis port to the services, the nodes (replication)
// and the create Job; and each of those actually admitted.
function checkClusterPolicy(statefulSet, ofKind, problem) {
  const admitted = admissions(statefulSet, ofKind);
  const allowed = {
    [REDIS_PORT]: ['redis-client', 'redis node', 'create Job'],
    [BUS_PORT]: ['redis node'],
  };
  for (const { port, peer } of admitted) {
    for (const p of port === 'any' ? [REDIS_PORT, BUS_PORT] : [port]) {
      if (allowed[p] && !allowed[p].includes(peer)) {
        problem(`Redis cluster: a NetworkPolicy admits ${peer} to port ${p}`);
      }
    }
  }
  for (const [port, peers] of Object.entries(allowed)) {
    for (const peer of peers) {
      if (!admitted.some((a) => a.peer === peer && (a.port === 'any' || a.port === Number(port)))) {
        problem(`Redis cluster: no NetworkPolicy admits ${peer} to port ${port}`);
      }
    }
  }
}

// --- Shared ------------------------------------------------------------------------------------
function checkDurability(where, config, problem) {
  if (config.get('appendonly') !== 'yes') problem(`${where}: appendonly must be yes (AOF)`);
  if (config.get('maxmemory-policy') !== 'noeviction') {
    problem(`${where}: maxmemory-policy must be noeviction: totals are never evicted`);
  }
}

// Every (port, peer) the NetworkPolicies selecting the StatefulSet's pods admit; peer is
// 'redis-client', 'redis node', 'create Job' or 'anyone else'.
function admissions(statefulSet, ofKind) {
  const nodeName = statefulSet.spec.template.metadata.labels?.['app.kubernetes.io/name'];
  const peerOf = (from) => {
    const labels = from.podSelector?.matchLabels ?? {};
    if (from.namespaceSelector || from.ipBlock || !from.podSelector) return 'anyone else';
    if (labels['hattama.kz/redis-client'] === 'true') return 'redis-client';
    if (labels['app.kubernetes.io/name'] === nodeName) return 'redis node';
    if (labels['app.kubernetes.io/name'] === `${nodeName}-create`) return 'create Job';
    return 'anyone else';
  };
  return ofKind('NetworkPolicy')
    .filter((p) => selects(p.spec.podSelector, statefulSet.spec.template))
    .flatMap((p) => p.spec.ingress ?? [])
    .flatMap((rule) => (rule.from?.length ? rule.from : [{}]).flatMap((from) =>
      (rule.ports?.length ? rule.ports.map((p) => p.port) : ['any'])
        .map((port) => ({ port, peer: peerOf(from) }))));
}

// The Redis directives of the StatefulSet's container: its config file (from a mounted ConfigMap),
// then its --name value arguments, as redis-server reads them.
function redisConfig(statefulSet, configMaps) {
  const pod = statefulSet.spec.template.spec;
  const container = pod.containers.find((c) => /^redis(:|$)/.test(c.image));
  const args = [...(container.command ?? []), ...(container.args ?? [])];
  const config = new Map();
  const file = args.find((a) => a.endsWith('.conf'));
  const text = file ? fileOf(pod, container, file, configMaps) : '';
  for (const line of (text ?? '').split('\n')) {
    const [key, ...value] = line.trim().split(/\s+/);
    if (key && !key.startsWith('#')) config.set(key.toLowerCase(), value.join(' '));
  }
  for (let i = 0; i < args.length; i++) {
    if (args[i].startsWith('--')) config.set(args[i].slice(2).toLowerCase(), args[i + 1]);
  }
  return config;
}

// The text of the file at `path` (absolute) as the container sees it in a mounted ConfigMap, or
// undefined.
function fileOf(pod, container, path, configMaps) {
  const mount = (container.volumeMounts ?? []).find((m) => path.startsWith(m.mountPath + '/'));
  const volume = (pod.volumes ?? []).find((v) => v.name === mount?.name);
  const map = configMaps.find((m) => m.metadata.name === volume?.configMap?.name);
  return map?.data?.[path.slice((mount?.mountPath.length ?? 0) + 1)];
}

function servicesOf(statefulSet, ofKind) {
  return ofKind('Service').filter((s) => Object.entries(s.spec.selector ?? {}).every(
    ([k, v]) => statefulSet.spec.template.metadata.labels?.[k] === v));
}

// Whether a label selector (matchLabels only, as the manifests use) selects a pod template.
function selects(selector, template) {
  const wanted = Object.entries(selector?.matchLabels ?? {});
  return wanted.length > 0 && wanted.every(([k, v]) => template.metadata.labels?.[k] === v);
}

function envOfContainer(container) {
  return new Map((container.env ?? []).map((e) => [e.name, e.value]));
}

// The Redis client's own container: the first running a hattama binary (a pod may hold nginx too).
function envOf(deployment) {
  const containers = deployment.spec.template.spec.containers;
  const own = containers.find((c) => /hattama[-/](ingestion|aggregation|publication|tlog)/.test(c.image));
  return envOfContainer(own ?? containers[0]);
}
