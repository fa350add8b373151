import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../shared/config/index.js';
import { buildOverlay, overlayNames, type KubeObject } from './kustomize.js';
import { validateAgainstSchema } from './kubernetes-schemas.js';

/** Each tier's command and the port its configuration gives it (README's defaults). */
const TIERS = { gateway: 8080, storage: 8081, processor: 8082 } as const;
type Tier = keyof typeof TIERS;

/**
 * Stand-ins for the keys of the Secret `hookgate-secrets`, which is created outside the
 * repository: shaped like real values, so the configuration check can run on every container.
 */
const SECRET_STAND_INS: Record<string, string> = {
  'admin-token': 'stand-in-admin-token-0123456789',
  'encryption-key': Buffer.alloc(32, 1).toString('base64'),
  'amqp-url': 'amqp://hookgate:password@rabbitmq:5672',
  'mongodb-url': 'mongodb://hookgate:password@mongodb:27017/hookgate',
  'redis-url': 'redis://redis:6379',
};

const OPERATIONS_DOC = readFileSync(new URL('../../docs/operations.md', import.meta.url), 'utf8');

function ofKind(objects: KubeObject[], kind: string): KubeObject[] {
  return objects.filter((object) => object.kind === kind);
}

function named(objects: KubeObject[], kind: string, name: string): KubeObject {
  const found = objects.find((object) => object.kind === kind && object.metadata.name === name);
  if (!found) throw new Error(`No ${kind} named ${name}`);
  return found;
}

function selects(selector: Record<string, string>, labels: Record<string, string>): boolean {
  return Object.entries(selector).every(([key, value]) => labels[key] === value);
}

/** The environment a container starts with: its ConfigMaps, its own values, and stand-ins for secrets. */
function environmentOf(container: any, objects: KubeObject[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const source of container.envFrom ?? []) Object.assign(env, named(objects, 'ConfigMap', source.configMapRef.name).data);
  for (const variable of container.env ?? []) {
    const secret = variable.valueFrom?.secretKeyRef;
    env[variable.name] = secret ? SECRET_STAND_INS[secret.key] ?? `unknown secret key ${secret.key}` : variable.value;
  }
  return env;
}

describe.each(overlayNames())('deploy/overlays/%s', (overlay) => {
  // Built on first use rather than in beforeAll: without kubectl, every test then fails with
  // the reason, instead of being reported as skipped.
  let built: KubeObject[] | undefined;
  const build = (): KubeObject[] => (built ??= buildOverlay(overlay));

  it('builds with kubectl kustomize into the three tiers', () => {
    expect(ofKind(build(), 'Deployment').map((deployment) => deployment.spec.template.spec.containers[0].args[0]).sort()).toEqual(['gateway', 'processor', 'storage']);
  });

  it('validates every object against the Kubernetes API schemas', () => {
    const objects = build();
    expect(objects.length).toBeGreaterThan(10);
    for (const object of objects) validateAgainstSchema(object);
  });

  it('commits no Secret; the secret keys it references are documented in docs/operations.md', () => {
    const objects = build();
    const deployments = ofKind(objects, 'Deployment');
    expect(ofKind(objects, 'Secret')).toEqual([]);
    const references = deployments.flatMap((deployment) =>
      deployment.spec.template.spec.containers.flatMap((container: any) => (container.env ?? []).flatMap((variable: any) => variable.valueFrom?.secretKeyRef ?? [])),
    );
    expect(new Set(references.map((reference: any) => reference.name))).toEqual(new Set(['hookgate-secrets']));
    for (const { key } of references) {
      expect(Object.keys(SECRET_STAND_INS)).toContain(key);
      expect(OPERATIONS_DOC).toContain(`\`${key}\``);
    }
  });

  it("gives every container an environment that hookgate's configuration check accepts, in distributed mode", () => {
    const objects = build();
    for (const deployment of ofKind(objects, 'Deployment')) {
      const container = deployment.spec.template.spec.containers[0];
      const config = loadConfig(environmentOf(container, objects));
      const tier = container.args[0] as Tier;
      expect(config.mode, deployment.metadata.name).toBe('distributed');
      expect(container.ports.map((port: any) => port.containerPort)).toEqual([TIERS[tier]]);
      expect({ gateway: config.port, storage: config.storagePort, processor: config.processorPort }[tier]).toBe(TIERS[tier]);
    }
  });

  it('probes /readyz for readiness and /healthz for liveness on the tier port', () => {
    for (const deployment of ofKind(build(), 'Deployment')) {
      const container = deployment.spec.template.spec.containers[0];
      const portNames = container.ports.map((port: any) => port.name);
      expect(container.readinessProbe.httpGet.path).toBe('/readyz');
      expect(container.livenessProbe.httpGet.path).toBe('/healthz');
      expect(portNames).toContain(container.readinessProbe.httpGet.port);
      expect(portNames).toContain(container.livenessProbe.httpGet.port);
    }
  });

  it('runs non-root on a read-only root filesystem with no privileges, no service links and bounded resources', () => {
    for (const deployment of ofKind(build(), 'Deployment')) {
      const pod = deployment.spec.template.spec;
      expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } });
      expect(pod.securityContext.runAsUser).toBeGreaterThan(0);
      // Service links would set HOOKGATE_<SERVICE>_PORT=tcp://..., which the configuration check rejects.
      expect(pod.enableServiceLinks).toBe(false);
      expect(pod.automountServiceAccountToken).toBe(false);
      for (const container of pod.containers) {
        expect(container.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
        expect(container.resources.requests).toMatchObject({ cpu: expect.any(String), memory: expect.any(String) });
        expect(container.resources.limits.memory).toEqual(expect.any(String));
      }
    }
  });

  it('gives each pod longer to terminate than its drain: preStop pause, attempts in hand, HOOKGATE_SHUTDOWN_TIMEOUT', () => {
    const objects = build();
    for (const deployment of ofKind(objects, 'Deployment')) {
      const pod = deployment.spec.template.spec;
      const container = pod.containers[0];
      const config = loadConfig(environmentOf(container, objects));
      const preStopMs = (container.lifecycle?.preStop?.sleep?.seconds ?? 0) * 1000;
      // The processor lets its webhook requests finish before it drains its port.
      const attemptsMs = container.args[0] === 'processor' ? config.delivery.timeoutMs : 0;
      expect(pod.terminationGracePeriodSeconds * 1000, deployment.metadata.name).toBeGreaterThan(preStopMs + attemptsMs + config.shutdownTimeoutMs);
    }
  });

  it('resolves every ConfigMap a pod mounts or reads', () => {
    const objects = build();
    for (const deployment of ofKind(objects, 'Deployment')) {
      const pod = deployment.spec.template.spec;
      const names = [
        ...pod.containers.flatMap((container: any) => (container.envFrom ?? []).map((source: any) => source.configMapRef.name)),
        ...(pod.volumes ?? []).flatMap((volume: any) => (volume.configMap ? [volume.configMap.name] : [])),
      ];
      for (const name of names) named(objects, 'ConfigMap', name);
    }
  });

  it('puts a Service and a PodDisruptionBudget in front of every tier, and autoscales the gateway and the processor', () => {
    const objects = build();
    for (const deployment of ofKind(objects, 'Deployment')) {
      const labels = deployment.spec.template.metadata.labels;
      const ports = deployment.spec.template.spec.containers[0].ports.map((port: any) => port.name);
      const services = ofKind(objects, 'Service').filter((service) => selects(service.spec.selector, labels));
      expect(services, deployment.metadata.name).toHaveLength(1);
      for (const port of services[0]!.spec.ports) expect(ports).toContain(port.targetPort);
      const budgets = ofKind(objects, 'PodDisruptionBudget').filter((budget) => selects(budget.spec.selector.matchLabels, labels));
      expect(budgets, deployment.metadata.name).toHaveLength(1);
    }
    const autoscaled = ofKind(objects, 'HorizontalPodAutoscaler').map((autoscaler) => named(objects, 'Deployment', autoscaler.spec.scaleTargetRef.name));
    expect(autoscaled.map((deployment) => deployment.metadata.name).sort()).toEqual(['hookgate-gateway', 'hookgate-processor']);
    for (const deployment of autoscaled) expect(deployment.spec.replicas, 'the autoscaler owns the replica count').toBeUndefined();
  });

  it('runs in a namespace that enforces the restricted Pod Security Standard', () => {
    const objects = build();
    const [namespace] = ofKind(objects, 'Namespace');
    expect(namespace?.metadata.labels?.['pod-security.kubernetes.io/enforce']).toBe('restricted');
    for (const object of objects.filter((candidate) => candidate.kind !== 'Namespace')) expect(object.metadata.namespace).toBe(namespace!.metadata.name);
  });

  it('lets a ServiceMonitor, where the overlay has one, scrape /metrics of every tier', () => {
    const objects = build();
    for (const monitor of ofKind(objects, 'ServiceMonitor')) {
      const scraped = ofKind(objects, 'Service').filter((service) => selects(monitor.spec.selector.matchLabels, service.metadata.labels ?? {}));
      expect(scraped.map((service) => service.metadata.name).sort()).toEqual(['hookgate-gateway', 'hookgate-processor', 'hookgate-storage']);
      for (const endpoint of monitor.spec.endpoints) {
        expect(endpoint.path).toBe('/metrics');
        for (const service of scraped) expect(service.spec.ports.map((port: any) => port.name)).toContain(endpoint.port);
      }
    }
  });
});

describe('deploy/overlays/production', () => {
  it('ships the ServiceMonitor, the alert rules and the Grafana dashboard', () => {
    const objects = buildOverlay('production');
    expect(ofKind(objects, 'ServiceMonitor')).toHaveLength(1);
    expect(ofKind(objects, 'PrometheusRule')).toHaveLength(1);
    const dashboard = named(objects, 'ConfigMap', 'hookgate-grafana-dashboard');
    expect(dashboard.metadata.labels?.grafana_dashboard).toBe('1');
    expect(JSON.parse(dashboard.data['hookgate-dashboard.json']).uid).toBe('hookgate-overview');
  });
});
