// Renders one kustomize overlay and checks what Kubernetes, Strimzi and KEDA would check before
// accepting it, and what the binaries would: every object against its schema (kubernetes-models,
// @kubernetes-models/keda), the fields the Strimzi operator requires, the KEDA ceiling against
// the partition count, the network boundaries, and every HATTAMA_* variable and port against the
// binaries' --help.
//
//   node validate.mjs <overlay dir> <directory of the hattama-* binaries>
// Prints one line per problem and exits 1 when there is any.
import { execFileSync } from 'node:child_process';
import { parseAllDocuments } from 'yaml';
import { checkRedis } from './redis.mjs';

const [overlay, binDir] = process.argv.slice(2);
if (!overlay || !binDir) {
  console.error('usage: node validate.mjs <overlay dir> <bin dir>');
  process.exit(2);
}

const problems = [];
const problem = (what) => problems.push(what);

const rendered = execFileSync('kubectl', ['kustomize', overlay], { encoding: 'utf8' });
const objects = parseAllDocuments(rendered).map((doc) => doc.toJSON()).filter(Boolean);
const id = (o) => `${o.kind}/${o.metadata?.name}`;
const ofKind = (kind) => objects.filter((o) => o.kind === kind);

// --- Schemas -----------------------------------------------------------------------------------
const MODULES = {
  'v1': 'kubernetes-models/v1',
  'apps/v1': 'kubernetes-models/apps/v1',
  'policy/v1': 'kubernetes-models/policy/v1',
  'batch/v1': 'kubernetes-models/batch/v1',
  'autoscaling/v2': 'kubernetes-models/autoscaling/v2',
  'networking.k8s.io/v1': 'kubernetes-models/networking.k8s.io/v1',
  'keda.sh/v1alpha1': '@kubernetes-models/keda/keda.sh/v1alpha1',
};
let validated = 0;
for (const object of objects) {
  const module = MODULES[object.apiVersion];
  if (object.apiVersion === 'kafka.strimzi.io/v1beta2') continue;  // Checked by hand below.
  if (!module) {
    problem(`${id(object)}: no schema for ${object.apiVersion}`);
    continue;
  }
  const Model = (await import(module))[object.kind];
  if (!Model) {
    problem(`${id(object)}: ${module} has no ${object.kind}`);
    continue;
  }
  if (object.kind === 'Secret') {
    // kustomize wraps long base64 in a YAML block; the API server's decoder skips the line breaks.
    for (const key of Object.keys(object.data ?? {})) {
      object.data[key] = object.data[key].replace(/\n/g, '');
    }
  }
  try {
    new Model(object).validate();
    validated++;
  } catch (error) {
    problem(`${id(object)}: ${error.message}`);
  }
}

// --- Strimzi: what the operator requires ---------------------------------------------------------
const kafkas = ofKind('Kafka');
const pools = ofKind('KafkaNodePool');
const topics = ofKind('KafkaTopic');
if (kafkas.length !== 1) problem(`expected one Kafka, found ${kafkas.length}`);
const kafka = kafkas[0] ?? { metadata: {}, spec: {} };
const cluster = kafka.metadata.name;
if (kafka.metadata.annotations?.['strimzi.io/node-pools'] !== 'enabled') {
  problem('Kafka: node pools need the annotation strimzi.io/node-pools: enabled');
}
if (kafka.metadata.annotations?.['strimzi.io/kraft'] !== 'enabled') {
  problem('Kafka: KRaft needs the annotation strimzi.io/kraft: enabled');
}
const listeners = kafka.spec?.kafka?.listeners ?? [];
if (listeners.length === 0) problem('Kafka: spec.kafka.listeners is required');
for (const l of listeners) {
  for (const field of ['name', 'port', 'type', 'tls']) {
    if (l[field] === undefined) problem(`Kafka listener ${l.name}: ${field} is required`);
  }
  if (!/^[a-z0-9]{1,11}$/.test(l.name ?? '')) problem(`Kafka listener name ${l.name} is invalid`);
}
let brokers = 0;
let controllers = 0;
for (const pool of pools) {
  if (pool.metadata.labels?.['strimzi.io/cluster'] !== cluster) {
    problem(`${id(pool)}: label strimzi.io/cluster must name the Kafka ${cluster}`);
  }
  if (!(pool.spec?.replicas > 0)) problem(`${id(pool)}: spec.replicas is required`);
  if (!pool.spec?.roles?.length) problem(`${id(pool)}: spec.roles is required`);
  if (!pool.spec?.storage?.type) problem(`${id(pool)}: spec.storage.type is required`);
  for (const v of pool.spec?.storage?.volumes ?? []) {
    if (v.id === undefined || !v.type) problem(`${id(pool)}: every JBOD volume needs id and type`);
    if (v.type === 'persistent-claim' && !v.size) problem(`${id(pool)}: volume ${v.id} needs size`);
  }
  if (pool.spec?.roles?.includes('broker')) brokers += pool.spec.replicas;
  if (pool.spec?.roles?.includes('controller')) controllers += pool.spec.replicas;
}
if (brokers === 0 || controllers === 0) problem('KafkaNodePools: need broker and controller roles');
const config = kafka.spec?.kafka?.config ?? {};
for (const key of ['default.replication.factor', 'offsets.topic.replication.factor',
                   'transaction.state.log.replication.factor']) {
  if (config[key] > brokers) problem(`Kafka: ${key} ${config[key]} > ${brokers} brokers`);
}
if (!(config['min.insync.replicas'] <= config['default.replication.factor'])) {
  problem('Kafka: min.insync.replicas must not exceed default.replication.factor');
}
const wanted = ['hattama.submissions.v1', 'hattama.rejections.v1', 'hattama.deployment.v1',
                'hattama.totals.v1', 'hattama.tlog.v1'];
const byTopic = new Map(topics.map((t) => [t.spec?.topicName ?? t.metadata.name, t]));
for (const name of wanted) if (!byTopic.has(name)) problem(`KafkaTopic for ${name} missing`);
for (const t of topics) {
  if (t.metadata.labels?.['strimzi.io/cluster'] !== cluster) {
    problem(`${id(t)}: label strimzi.io/cluster must name the Kafka ${cluster}`);
  }
  if (!Number.isInteger(t.spec?.partitions) || t.spec.partitions < 1) {
    problem(`${id(t)}: spec.partitions must be a positive integer`);
  }
  if (!Number.isInteger(t.spec?.replicas) || t.spec.replicas < 1 || t.spec.replicas > brokers) {
    problem(`${id(t)}: spec.replicas must be between 1 and the ${brokers} brokers`);
  }
  const isr = t.spec?.config?.['min.insync.replicas'];
  if (isr !== undefined && isr > t.spec.replicas) {
    problem(`${id(t)}: min.insync.replicas ${isr} > replicas ${t.spec.replicas}`);
  }
}

// The submissions are the source of truth and the transparency log's leaves are its one order:
// neither may ever lose a record, and the log lives in exactly one partition.
for (const name of ['hattama.submissions.v1', 'hattama.tlog.v1']) {
  const config = byTopic.get(name)?.spec?.config ?? {};
  for (const key of ['retention.ms', 'retention.bytes']) {
    if (config[key] !== -1) problem(`KafkaTopic ${name}: ${key} must be -1 (kept forever)`);
  }
  if (String(config['cleanup.policy'] ?? 'delete').includes('compact')) {
    problem(`KafkaTopic ${name}: must not be compacted`);
  }
}
const tlogPartitions = byTopic.get('hattama.tlog.v1')?.spec?.partitions;
if (tlogPartitions !== undefined && tlogPartitions !== 1) {
  problem(`KafkaTopic hattama.tlog.v1: ${tlogPartitions} partitions, the log needs exactly 1`);
}

// --- KEDA: never more aggregation members than partitions ----------------------------------------
const submissionPartitions = byTopic.get('hattama.submissions.v1')?.spec?.partitions;
const deployments = new Map(ofKind('Deployment').map((d) => [d.metadata.name, d]));
for (const so of ofKind('ScaledObject')) {
  if (so.spec.maxReplicaCount > submissionPartitions) {
    problem(`${id(so)}: maxReplicaCount ${so.spec.maxReplicaCount} > ${submissionPartitions} ` +
            'partitions of hattama.submissions.v1');
  }
  const target = deployments.get(so.spec.scaleTargetRef.name);
  if (!target) problem(`${id(so)}: scales ${so.spec.scaleTargetRef.name}, which is not here`);
  for (const trigger of so.spec.triggers) {
    if (trigger.type !== 'kafka') continue;
    if (trigger.metadata.topic !== 'hattama.submissions.v1') problem(`${id(so)}: wrong topic`);
    const env = target?.spec.template.spec.containers[0].env ?? [];
    const group = env.find((e) => e.name === 'HATTAMA_GROUP')?.value ?? 'hattama-aggregation';
    if (trigger.metadata.consumerGroup !== group) {
      problem(`${id(so)}: consumerGroup ${trigger.metadata.consumerGroup} is not ${group}`);
    }
  }
}
const hpaTargets = new Set(ofKind('HorizontalPodAutoscaler').map((h) => h.spec.scaleTargetRef.name));
for (const name of ['hattama-ingestion', 'hattama-publication']) {
  if (!hpaTargets.has(name)) problem(`no HorizontalPodAutoscaler for ${name}`);
}

// --- Network boundaries ---------------------------------------------------------------------------
const workloads = [...ofKind('Deployment'), ...ofKind('StatefulSet')];
const labelled = (label) => workloads
  .filter((d) => d.spec.template.metadata.labels?.[label] === 'true')
  .map((d) => d.metadata.name).sort().join(',');
// publication (and the portal's snapshot writer, a publication) only reads the totals change feed,
// but it still has to reach the listener; the transparency log writer reads the submissions and
// writes its own topic.
if (labelled('hattama.kz/kafka-client') !==
    'hattama-aggregation,hattama-ingestion,hattama-portal,hattama-publication,hattama-tlog') {
  problem(`Kafka clients are ${labelled('hattama.kz/kafka-client')}, ` +
          'not aggregation+ingestion+portal+publication+tlog');
}
if (labelled('hattama.kz/redis-client') !==
    'hattama-aggregation,hattama-ingestion,hattama-portal,hattama-publication') {
  problem(`Redis clients are ${labelled('hattama.kz/redis-client')}, ` +
          'not aggregation+ingestion+portal+publication');
}
const peers = listeners.flatMap((l) => l.networkPolicyPeers ?? []);
if (listeners.some((l) => !l.networkPolicyPeers?.length)) {
  problem('Kafka: every listener needs networkPolicyPeers, or any pod may connect');
}
for (const peer of peers) {
  const pod = peer.podSelector?.matchLabels ?? {};
  if (peer.podSelector && pod['hattama.kz/kafka-client'] !== 'true') {
    problem(`Kafka listener admits pods ${JSON.stringify(pod)}`);
  }
}

// --- Flags, variables and ports against the binaries ---------------------------------------------
const help = new Map();
const helpOf = (binary) => {
  if (!help.has(binary)) {
    help.set(binary, execFileSync(`${binDir}/${binary}`, ['--help'], { encoding: 'utf8' }));
  }
  return help.get(binary);
};
const portOf = (address) => Number(address.slice(address.lastIndexOf(':') + 1));
for (const workload of [...ofKind('Deployment'), ...ofKind('StatefulSet')]) {
  const spec = workload.spec.template.spec;
  const volumes = new Map([...(spec.volumes ?? []), ...(workload.spec.volumeClaimTemplates ?? [])
    .map((t) => t.metadata)].map((v) => [v.name, v]));
  for (const c of spec.containers) {
    const ports = new Map((c.ports ?? []).map((p) => [p.name, p.containerPort]));
    const portNumbers = new Set(ports.values());
    for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe].filter(Boolean)) {
      const port = probe.grpc?.port ?? probe.httpGet?.port ?? probe.tcpSocket?.port;
      if (port !== undefined && !portNumbers.has(port) && !ports.has(port)) {
        problem(`${id(workload)}: a probe uses port ${port}, which the container does not expose`);
      }
    }
    for (const m of c.volumeMounts ?? []) {
      if (!volumes.has(m.name)) problem(`${id(workload)}: mounts ${m.name}, which is no volume`);
    }
    const binary = /hattama[-/](ingestion|aggregation|publication|tlog)/.exec(c.image)?.[1];
    if (!binary) continue;
    const text = helpOf(`hattama-${binary}`);
    for (const env of c.env ?? []) {
      if (!env.name.startsWith('HATTAMA_')) continue;
      if (!text.includes(`(Env:${env.name})`)) {
        problem(`${id(workload)}: ${env.name} is not a variable of hattama-${binary}`);
      }
      if (env.name.endsWith('LISTEN') && !portNumbers.has(portOf(env.value))) {
        problem(`${id(workload)}: ${env.name}=${env.value} is not a container port`);
      }
      const mount = (c.volumeMounts ?? []).find((m) => env.value?.startsWith(m.mountPath + '/'));
      if (/^\/(etc|var\/lib)\/hattama\//.test(env.value ?? '') && !mount) {
        problem(`${id(workload)}: ${env.name}=${env.value} is on no mounted volume`);
      }
    }
    for (const arg of [...(c.args ?? []), ...(c.command ?? [])]) {
      const flag = /^--[a-z-]+/.exec(arg)?.[0];
      if (flag && !text.includes(flag)) {
        problem(`${id(workload)}: ${flag} is not a flag of hattama-${binary}`);
      }
    }
    const requiredVariables = binary === 'tlog'
      ? ['HATTAMA_LOG_KEY', 'HATTAMA_TILES_DIR', 'HATTAMA_METRICS_LISTEN']
      : ['HATTAMA_ELECTION', 'HATTAMA_STATIONS', 'HATTAMA_METRICS_LISTEN'];
    for (const required of requiredVariables) {
      if (!(c.env ?? []).some((e) => e.name === required)) {
        problem(`${id(workload)}: ${required} is not set`);
      }
    }
  }
}
for (const service of ofKind('Service')) {
  const pods = workloads.filter((w) =>
    Object.entries(service.spec.selector).every(
      ([k, v]) => w.spec.template.metadata.labels?.[k] === v));
  if (pods.length === 0) problem(`${id(service)}: selects no workload`);
  for (const port of service.spec.ports) {
    const exposed = pods.some((w) => w.spec.template.spec.containers.some((c) =>
      (c.ports ?? []).some((p) => p.name === port.targetPort || p.containerPort === port.targetPort)));
    if (!exposed) problem(`${id(service)}: targetPort ${port.targetPort} is exposed by no pod`);
  }
}

checkRedis(objects, problem);
checkTransparencyLog();
checkRegistry();
checkPortal();

// --- The transparency log writer and publication's way to it --------------------------------------
function checkTransparencyLog() {
  const tlog = workloads.find((w) => w.metadata.name === 'hattama-tlog');
  if (!tlog) {
    problem('no workload hattama-tlog (the transparency log writer)');
    return;
  }
  // One writer, never two at once (deploy/base/tlog.yaml says why): a StatefulSet of one, or a
  // Deployment of one that stops the old pod before starting the new.
  if (tlog.spec.replicas !== 1) {
    problem(`${id(tlog)}: ${tlog.spec.replicas} replicas, the log needs exactly 1`);
  }
  if (tlog.kind === 'Deployment' && tlog.spec.strategy?.type !== 'Recreate') {
    problem(`${id(tlog)}: a Deployment of the log writer needs strategy Recreate`);
  }
  for (const scaler of [...ofKind('HorizontalPodAutoscaler'), ...ofKind('ScaledObject')]) {
    if (scaler.spec.scaleTargetRef.name === 'hattama-tlog') {
      problem(`${id(scaler)}: scales hattama-tlog, which must stay one replica`);
    }
  }
  const spec = tlog.spec.template.spec;
  const container = spec.containers[0];
  const env = new Map((container.env ?? []).map((e) => [e.name, e]));
  const mountOf = (path) => (container.volumeMounts ?? []).find(
    (m) => (path ?? '').startsWith(m.mountPath + '/'));
  const keyMount = mountOf(env.get('HATTAMA_LOG_KEY')?.value);
  const keyVolume = (spec.volumes ?? []).find((v) => v.name === keyMount?.name);
  if (!keyVolume?.secret?.secretName) {
    problem(`${id(tlog)}: HATTAMA_LOG_KEY is not in a mounted Secret`);
  }
  const tilesMount = mountOf(env.get('HATTAMA_TILES_DIR')?.value);
  const claims = new Set([
    ...(tlog.spec.volumeClaimTemplates ?? []).map((t) => t.metadata.name),
    ...(spec.volumes ?? []).filter((v) => v.persistentVolumeClaim).map((v) => v.name)]);
  if (!claims.has(tilesMount?.name)) {
    problem(`${id(tlog)}: HATTAMA_TILES_DIR is not on a persistent volume claim`);
  }
  const service = ofKind('Service').find((s) => s.metadata.name === 'hattama-tlog');
  const servicePorts = new Set((service?.spec.ports ?? []).map((p) => p.port));
  for (const port of [7004, 8084]) {
    if (!servicePorts.has(port)) problem(`Service/hattama-tlog does not expose ${port}`);
  }
  // NetworkPolicies add up: every rule of every policy of the log's pods counts.
  const policies = ofKind('NetworkPolicy').filter(
    (p) => p.spec.podSelector.matchLabels?.['app.kubernetes.io/name'] === 'hattama-tlog');
  const grpcRules = policies.flatMap((policy) => policy.spec.ingress ?? []).filter(
    (rule) => (rule.ports ?? []).some((p) => p.port === 7004));
  const readers = ['hattama-publication', 'hattama-portal'];
  if (grpcRules.length === 0 || grpcRules.some((rule) => !rule.from?.length ||
      rule.from.some((f) => !readers.includes(f.podSelector?.matchLabels?.['app.kubernetes.io/name'])))) {
    problem('hattama-tlog: NetworkPolicies must admit gRPC 7004 only from hattama-publication ' +
            '(and the portal\'s snapshot writer)');
  }

  checkLogKeys(env);

  const publication = deployments.get('hattama-publication');
  const publicationEnv = new Map(
    (publication?.spec.template.spec.containers[0].env ?? []).map((e) => [e.name, e]));
  const grpcAddress = publicationEnv.get('HATTAMA_TLOG_ADDRESS')?.value;
  if (grpcAddress !== 'hattama-tlog:7004') {
    problem(`Deployment/hattama-publication: HATTAMA_TLOG_ADDRESS is ${grpcAddress}, ` +
            'not the tlog Service\'s gRPC hattama-tlog:7004');
  }
  for (const name of ['HATTAMA_TLOG_URL', 'HATTAMA_TLOG_VERIFIER_KEY']) {
    const variable = publicationEnv.get(name);
    if (!variable?.value && !variable?.valueFrom) {
      problem(`Deployment/hattama-publication: ${name} is not set`);
    }
  }
}

// Where an overlay carries the log key (the local overlay's test key), its verifier key must be
// the key's own and its name the origin the writer will check it against: HATTAMA_ORIGIN, else
// hattama/<election_id> of the registry's election.json.
function checkLogKeys(tlogEnv) {
  const secret = ofKind('Secret').find((x) => x.metadata.name === 'hattama-tlog-key');
  const verifier = ofKind('ConfigMap').find((x) => x.metadata.name === 'hattama-tlog-verifier');
  if (!secret?.data?.['log.key'] || !verifier?.data?.['verifier-key']) return;
  // PRIVATE+KEY+<name>+<hash>+<key> and <name>+<hash>+<key>.
  const signer = Buffer.from(secret.data['log.key'], 'base64').toString('utf8').trim().split('+');
  const [name, hash] = verifier.data['verifier-key'].trim().split('+');
  if (signer[2] !== name || signer[3] !== hash) {
    problem(`ConfigMap hattama-tlog-verifier: ${name}+${hash} is not the key of Secret ` +
            `hattama-tlog-key (${signer[2]}+${signer[3]})`);
  }
  const registry = ofKind('ConfigMap').find((m) => m.metadata.name.startsWith('hattama-registry'));
  const election = JSON.parse(registry?.data?.['election.json'] ?? '{}');
  const origin = tlogEnv.get('HATTAMA_ORIGIN')?.value ??
    (tlogEnv.has('HATTAMA_ELECTION') ? `hattama/${election.election_id ?? election.electionId}` : name);
  if (signer[2] !== origin) {
    problem(`Secret hattama-tlog-key: the key is named ${signer[2]}, but the log's origin is ${origin}`);
  }
}

// --- The registry every service loads: stations and the observer registry beside them ------------
function checkRegistry() {
  const registry = ofKind('ConfigMap').find((m) => m.metadata.name.startsWith('hattama-registry'));
  const files = Object.keys(registry?.data ?? {});
  for (const file of ['election.json', 'stations.csv', 'organisations.csv', 'observers.csv']) {
    if (!files.includes(file)) problem(`ConfigMap hattama-registry has no ${file}`);
  }
  // The API server refuses a ConfigMap above 1 MiB.
  const bytes = Object.values(registry?.data ?? {})
    .reduce((sum, text) => sum + Buffer.byteLength(text), 0);
  if (bytes > 1024 * 1024) problem(`ConfigMap hattama-registry holds ${bytes} bytes, over 1 MiB`);
}

// --- The public portal: nginx serving what its pod's snapshot writer writes, proxying nothing ------
function checkPortal() {
  const portal = deployments.get('hattama-portal');
  if (!portal) {
    problem('no Deployment hattama-portal (the public portal: components/nginx)');
    return;
  }
  const spec = portal.spec.template.spec;
  const writer = spec.containers.find((c) => /hattama[-/]publication/.test(c.image));
  const nginx = spec.containers.find((c) => /nginx/.test(c.image));
  if (!writer || !nginx) {
    problem(`${id(portal)}: needs a snapshot writer (hattama-publication) and nginx`);
    return;
  }
  const env = new Map((writer.env ?? []).map((e) => [e.name, e.value]));
  const snapshots = env.get('HATTAMA_SNAPSHOT_DIR');
  const pages = env.get('HATTAMA_PORTAL_DIR');
  if (!snapshots || !pages) {
    problem(`${id(portal)}: the writer needs HATTAMA_SNAPSHOT_DIR and HATTAMA_PORTAL_DIR`);
  }
  // portal.conf's roots are <prefix>/www/data and <prefix>/www/portal: the volume the writer
  // writes must be what nginx has there.
  const written = (writer.volumeMounts ?? []).find((m) => (snapshots ?? '').startsWith(m.mountPath + '/'));
  const served = (nginx.volumeMounts ?? []).find((m) => m.mountPath.endsWith('/www'));
  if (!written || !served || served.name !== written.name ||
      snapshots !== `${written.mountPath}/data` || pages !== `${written.mountPath}/portal`) {
    problem(`${id(portal)}: nginx does not serve the volume the snapshot writer writes ` +
            '(<its mount>/data and /portal at nginx\'s www)');
  }
  const volume = (spec.volumes ?? []).find((v) => v.name === written?.name);
  if (volume && !volume.emptyDir && !volume.persistentVolumeClaim) {
    problem(`${id(portal)}: the snapshot volume ${volume.name} is neither an emptyDir nor a claim`);
  }
  const config = ofKind('ConfigMap').find((m) => m.metadata.name.startsWith('hattama-portal-nginx'));
  if (!config?.data?.['portal.conf'] ||
      !/include\s+\S*portal\.conf;/.test(config.data['nginx.conf'] ?? '')) {
    problem('ConfigMap hattama-portal-nginx: nginx.conf must include portal.conf');
  }
  if (/\b(proxy|fastcgi|grpc|uwsgi|scgi)_pass\b/.test(Object.values(config?.data ?? {}).join('\n'))) {
    problem('ConfigMap hattama-portal-nginx: nginx proxies; public load must never reach publication');
  }
  if (!ofKind('Service').some((s) => s.metadata.name === 'hattama-portal')) {
    problem('no Service hattama-portal');
  }
  const routed = ofKind('Ingress').some((i) => (i.spec.rules ?? []).some((r) =>
    (r.http?.paths ?? []).some((p) => p.backend?.service?.name === 'hattama-portal')));
  if (!routed) problem('no Ingress routes to Service hattama-portal');
}

for (const p of problems) console.log(`PROBLEM ${p}`);
console.log(`${overlay}: ${objects.length} objects, ${validated} validated against schemas, ` +
            `${problems.length} problems`);
process.exit(problems.length ? 1 : 0);
