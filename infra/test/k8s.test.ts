// Schema-level checks of every document in k8s/*.yaml: kinds and apiVersions, required fields,
// selectors, probes, resources, ports and the env variable names the app actually reads.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { parseAllDocuments } from 'yaml';
import { GATEWAY_ENV_VARS } from '../../apps/gateway/src/config.js';
import { INFRA_DIR } from '../lib/app.js';
import { MAX_RECEIVE_COUNT, SCALE_OUT_THRESHOLD, WORKER_MAX_CAPACITY, WORKER_MIN_CAPACITY } from '../lib/settings.js';
import { PRODUCTION_VARS, unknownEnvVars } from './env-names.js';

const K8S = path.resolve(INFRA_DIR, '..', 'k8s');
const NAMESPACE = 'facerec';
const API_VERSIONS: Record<string, string> = {
  Namespace: 'v1',
  ConfigMap: 'v1',
  Secret: 'v1',
  Service: 'v1',
  ServiceAccount: 'v1',
  Deployment: 'apps/v1',
  Job: 'batch/v1',
  PodDisruptionBudget: 'policy/v1',
  HorizontalPodAutoscaler: 'autoscaling/v2',
  ScaledObject: 'keda.sh/v1alpha1',
  TriggerAuthentication: 'keda.sh/v1alpha1',
  Kustomization: 'kustomize.config.k8s.io/v1beta1',
};

/* Loose shapes: the tests assert the fields they read. */
type Obj = Record<string, unknown>;
interface Doc {
  file: string;
  apiVersion: string;
  kind: string;
  metadata: { name: string; namespace?: string; labels?: Record<string, string> };
  spec?: Obj;
  data?: Record<string, string>;
  stringData?: Record<string, string>;
  [key: string]: unknown;
}
interface Container {
  name: string;
  image: string;
  args?: string[];
  ports?: { name?: string; containerPort: number }[];
  env?: { name: string; value?: string }[];
  envFrom?: { configMapRef?: { name: string }; secretRef?: { name: string } }[];
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  readinessProbe?: Probe;
  livenessProbe?: Probe;
  startupProbe?: Probe;
  securityContext?: Obj;
}
interface Probe {
  httpGet?: { path: string; port: string | number };
}
interface PodSpec {
  containers: Container[];
  serviceAccountName?: string;
  securityContext?: { runAsNonRoot?: boolean; runAsUser?: number };
  volumes?: { name: string }[];
}

function loadDocs(): Doc[] {
  const docs: Doc[] = [];
  for (const file of readdirSync(K8S).filter((f) => f.endsWith('.yaml')).sort()) {
    for (const d of parseAllDocuments(readFileSync(path.join(K8S, file), 'utf8'))) {
      assert.deepEqual(d.errors, [], `${file} parses`);
      const value = d.toJS() as Doc | null;
      if (value) docs.push({ ...value, file });
    }
  }
  return docs;
}

const docs = loadDocs();
const byKind = (kind: string) => docs.filter((d) => d.kind === kind);
const named = (kind: string, name: string): Doc => {
  const d = docs.find((x) => x.kind === kind && x.metadata.name === name);
  assert.ok(d, `${kind}/${name}`);
  return d;
};
const podSpec = (d: Doc): PodSpec => ((d.spec?.template as { spec: PodSpec }).spec);
const GATEWAY_PORT = Number(GATEWAY_ENV_VARS.find((v) => v.name === 'PORT')?.default);

describe('k8s manifests', () => {
  test('every document has a known kind, its apiVersion, a name and the facerec namespace', () => {
    assert.ok(docs.length >= 14, `${docs.length} documents`);
    for (const d of docs) {
      assert.equal(d.apiVersion, API_VERSIONS[d.kind], `${d.file}: ${d.kind} apiVersion`);
      if (d.kind === 'Kustomization') continue;
      assert.ok(d.metadata?.name, `${d.file}: ${d.kind} has metadata.name`);
      if (d.kind !== 'Namespace') assert.equal(d.metadata.namespace, NAMESPACE, `${d.file}: ${d.kind}/${d.metadata.name}`);
    }
    for (const kind of ['Deployment', 'Service', 'ConfigMap', 'Secret', 'PodDisruptionBudget', 'HorizontalPodAutoscaler', 'ScaledObject']) assert.ok(byKind(kind).length > 0, kind);
  });

  test('kustomization lists every manifest except the secret template and the migration job', () => {
    const k = byKind('Kustomization')[0] as Doc & { resources: string[] };
    const files = readdirSync(K8S).filter((f) => f.endsWith('.yaml') && !['kustomization.yaml', 'secret.template.yaml', 'migrate-job.yaml'].includes(f));
    assert.deepEqual([...k.resources].sort(), files.sort());
  });

  test('deployments: selector matches the pod labels; non-root; requests and limits; probes on declared ports', () => {
    for (const d of byKind('Deployment')) {
      const spec = d.spec as { selector: { matchLabels: Record<string, string> }; template: { metadata: { labels: Record<string, string> } } };
      for (const [k, v] of Object.entries(spec.selector.matchLabels)) assert.equal(spec.template.metadata.labels[k], v, `${d.metadata.name} selector ${k}`);
      const pod = podSpec(d);
      assert.equal(pod.securityContext?.runAsNonRoot, true);
      assert.ok(pod.securityContext?.runAsUser && pod.securityContext.runAsUser > 0);
      for (const c of pod.containers) {
        for (const kind of ['requests', 'limits'] as const) for (const r of ['cpu', 'memory']) assert.ok(c.resources?.[kind]?.[r], `${c.name} ${kind}.${r}`);
        assert.ok(c.readinessProbe?.httpGet && c.livenessProbe?.httpGet, `${c.name} probes`);
        const portNames = new Set((c.ports ?? []).flatMap((p) => [p.name, p.containerPort]));
        for (const probe of [c.readinessProbe, c.livenessProbe, c.startupProbe]) if (probe?.httpGet) assert.ok(portNames.has(probe.httpGet.port), `${c.name} probe port ${probe.httpGet.port}`);
        assert.equal(c.securityContext?.allowPrivilegeEscalation, false);
        assert.match(c.image, /:\d+\.\d+\.\d+$/, 'images are pinned to a version');
      }
    }
  });

  test("gateway: the app's PORT, /readyz readiness, /healthz liveness, a Service on it", () => {
    const c = podSpec(named('Deployment', 'facerec-gateway')).containers[0];
    assert.deepEqual(c.args, ['serve']);
    assert.equal(c.ports?.[0].containerPort, GATEWAY_PORT);
    assert.equal(c.env?.find((e) => e.name === 'PORT')?.value, String(GATEWAY_PORT));
    assert.equal(c.readinessProbe?.httpGet?.path, '/readyz');
    assert.equal(c.livenessProbe?.httpGet?.path, '/healthz');
    const svc = named('Service', 'facerec-gateway').spec as { selector: Record<string, string>; ports: { targetPort: string | number }[] };
    assert.equal(svc.selector['app.kubernetes.io/name'], 'facerec-gateway');
    const target = svc.ports[0].targetPort;
    assert.ok(target === GATEWAY_PORT || c.ports?.some((p) => p.name === target && p.containerPort === GATEWAY_PORT));
  });

  test('env: ConfigMap, Secret and inline names are variables the app reads; production set complete', () => {
    const config = named('ConfigMap', 'facerec-config').data ?? {};
    const secret = named('Secret', 'facerec-secrets').stringData ?? {};
    assert.deepEqual(unknownEnvVars(Object.keys(config)), []);
    assert.deepEqual(unknownEnvVars(Object.keys(secret)), []);
    for (const d of [...byKind('Deployment'), ...byKind('Job')]) {
      const pod = podSpec(d);
      for (const c of pod.containers) {
        assert.deepEqual(unknownEnvVars((c.env ?? []).map((e) => e.name)), [], c.name);
        const refs = c.envFrom ?? [];
        assert.ok(refs.some((r) => r.configMapRef?.name === 'facerec-config') && refs.some((r) => r.secretRef?.name === 'facerec-secrets'), c.name);
        const names = new Set([...Object.keys(config), ...Object.keys(secret), ...(c.env ?? []).map((e) => e.name)]);
        for (const v of PRODUCTION_VARS) assert.ok(names.has(v), `${c.name} gets ${v}`);
      }
    }
    assert.equal(config.FACEREC_MODE, 'production');
    assert.equal(config.QUEUE_MAX_RECEIVES, String(MAX_RECEIVE_COUNT), 'same as the redrive maxReceiveCount');
    assert.ok(Object.values(secret).every((v) => v.startsWith('REPLACE_ME')), 'the secret is a template without values');
  });

  test('PodDisruptionBudgets select existing deployments', () => {
    const pdbs = byKind('PodDisruptionBudget');
    assert.equal(pdbs.length, 2);
    for (const p of pdbs) {
      const spec = p.spec as { selector: { matchLabels: Record<string, string> }; minAvailable?: number; maxUnavailable?: number };
      assert.ok(spec.minAvailable !== undefined || spec.maxUnavailable !== undefined);
      const target = byKind('Deployment').find((d) => Object.entries(spec.selector.matchLabels).every(([k, v]) => (d.spec as { selector: { matchLabels: Record<string, string> } }).selector.matchLabels[k] === v));
      assert.ok(target, `${p.metadata.name} selects a deployment`);
    }
  });

  test('HPA scales the gateway deployment on CPU', () => {
    const hpa = named('HorizontalPodAutoscaler', 'facerec-gateway').spec as { scaleTargetRef: { kind: string; name: string }; minReplicas: number; maxReplicas: number; metrics: { resource: { name: string; target: { averageUtilization: number } } }[] };
    assert.deepEqual(hpa.scaleTargetRef, { apiVersion: 'apps/v1', kind: 'Deployment', name: 'facerec-gateway' });
    assert.ok(hpa.minReplicas >= 2 && hpa.maxReplicas > hpa.minReplicas);
    assert.equal(hpa.metrics[0].resource.name, 'cpu');
  });

  test('KEDA scales the worker on SQS queue length 1000, 1..3 replicas like the ASG', () => {
    const so = named('ScaledObject', 'facerec-worker').spec as { scaleTargetRef: { name: string }; minReplicaCount: number; maxReplicaCount: number; triggers: { type: string; metadata: Record<string, string>; authenticationRef: { name: string } }[] };
    assert.equal(so.scaleTargetRef.name, 'facerec-worker');
    named('Deployment', so.scaleTargetRef.name);
    assert.equal(so.minReplicaCount, WORKER_MIN_CAPACITY);
    assert.equal(so.maxReplicaCount, WORKER_MAX_CAPACITY);
    const trigger = so.triggers[0];
    assert.equal(trigger.type, 'aws-sqs-queue');
    assert.equal(trigger.metadata.queueLength, String(SCALE_OUT_THRESHOLD));
    assert.equal(trigger.metadata.queueURL, named('ConfigMap', 'facerec-config').data?.SQS_QUEUE_URL);
    assert.equal(trigger.metadata.awsRegion, named('ConfigMap', 'facerec-config').data?.AWS_REGION);
    named('TriggerAuthentication', trigger.authenticationRef.name);
  });

  test('each workload runs under its own service account', () => {
    const accounts = new Set(byKind('ServiceAccount').map((s) => s.metadata.name));
    const used = byKind('Deployment').map((d) => podSpec(d).serviceAccountName);
    assert.deepEqual(used.sort(), ['facerec-gateway', 'facerec-worker']);
    for (const u of used) assert.ok(accounts.has(u as string));
  });
});
