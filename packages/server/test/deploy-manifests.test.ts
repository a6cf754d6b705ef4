import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse, parseAllDocuments } from 'yaml';

/** The deploy files are checked by parsing them: no Docker engine or cluster runs in the tests. */
const DEPLOY = new URL('../../../deploy/', import.meta.url);

const read = (path: string): string => readFileSync(new URL(path, DEPLOY), 'utf8');
const UNIT_S: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600 };

/** Seconds of a duration as `rookery node --grace` or compose take it (`20s`, `1m`, `500ms`). */
function seconds(text: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m|h)$/.exec(text);
  if (!m) throw new Error(`not a duration: ${text}`);
  return Number(m[1]) * UNIT_S[m[2]!]!;
}

/** The value after `flag` in an argument list. */
function flag(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i === -1 ? undefined : args[i + 1];
}

interface Probe {
  httpGet: { path: string; port: number };
}
interface Container {
  image: string;
  args: string[];
  ports: { containerPort: number }[];
  livenessProbe: Probe;
  readinessProbe: Probe;
  securityContext: { allowPrivilegeEscalation: boolean };
}
interface K8sObject {
  kind: string;
  metadata: { name: string; labels?: Record<string, string> };
  spec: Record<string, unknown>;
}

const dockerfile = read('Dockerfile');
const entrypoint = JSON.parse(/^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1] ?? 'null') as string[];
const probePort = Number(flag(entrypoint, '--http'));
const manifests = readdirSync(new URL('kubernetes/', DEPLOY))
  .filter((f) => f.endsWith('.yaml'))
  .flatMap((f) => parseAllDocuments(read(`kubernetes/${f}`)).map((d) => d.toJS() as K8sObject));
const byKind = (kind: string): K8sObject => {
  const found = manifests.filter((m) => m.kind === kind);
  expect(found, kind).toHaveLength(1);
  return found[0]!;
};

describe('deploy/Dockerfile', () => {
  it('builds in two stages and runs rookery node as a non-root user, with its probe server on all interfaces', () => {
    expect(dockerfile.match(/^FROM /gm)).toHaveLength(2);
    expect(dockerfile).toMatch(/^COPY --from=build /m);
    const user = /^USER (\d+)(?::\d+)?$/m.exec(dockerfile)?.[1];
    expect(Number(user)).toBeGreaterThan(0);
    expect(entrypoint.slice(0, 3)).toEqual(['node', 'packages/cli/bin/rookery.js', 'node']);
    expect(probePort).toBeGreaterThan(0);
    expect(flag(entrypoint, '--http-host')).toBe('0.0.0.0');
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${probePort}$`, 'm'));
  });
});

describe('deploy/kubernetes', () => {
  const deployment = byKind('Deployment');
  const pod = (deployment.spec['template'] as { spec: Record<string, unknown> }).spec;
  const container = (pod['containers'] as Container[])[0]!;

  it('probes liveness on /healthz and readiness on /readyz at the port the entrypoint serves', () => {
    expect(container.livenessProbe.httpGet).toEqual({ path: '/healthz', port: probePort });
    expect(container.readinessProbe.httpGet).toEqual({ path: '/readyz', port: probePort });
    expect(container.ports.map((p) => p.containerPort)).toContain(probePort);
  });

  it('gives a stopping pod longer than the node’s drain (--grace) before SIGKILL', () => {
    const grace = flag(container.args, '--grace');
    expect(grace).toBeDefined();
    expect(pod['terminationGracePeriodSeconds'] as number).toBeGreaterThan(seconds(grace!));
  });

  it('runs as a non-root user, the image’s own, without privilege escalation', () => {
    expect(pod['securityContext']).toMatchObject({
      runAsNonRoot: true,
      runAsUser: Number(/^USER (\d+)/m.exec(dockerfile)?.[1]),
    });
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
  });

  it('runs the image compose builds, and a PodDisruptionBudget covers the Deployment’s pods', () => {
    const compose = parse(read('compose.yaml')) as { 'x-node': { image: string } };
    expect(container.image).toBe(compose['x-node'].image);
    const pdb = byKind('PodDisruptionBudget');
    const selector = (deployment.spec['selector'] as { matchLabels: Record<string, string> }).matchLabels;
    expect(pdb.spec['selector']).toEqual({ matchLabels: selector });
    expect(pdb.spec['maxUnavailable']).toBe(1);
  });
});

describe('deploy/compose.yaml', () => {
  interface Service {
    image?: string;
    command?: string[];
    stop_grace_period?: string;
    healthcheck?: { test: string[] };
    depends_on?: Record<string, { condition: string }>;
  }
  const compose = parse(read('compose.yaml'), { merge: true }) as { services: Record<string, Service> };

  it('runs PostgreSQL and three nodes that wait for it, check /readyz on the probe port and stop after their drain', () => {
    const nodes = Object.entries(compose.services).filter(([name]) => name.startsWith('node-'));
    expect(nodes).toHaveLength(3);
    expect(compose.services['postgres']?.image).toMatch(/^postgres:/);
    for (const [, node] of nodes) {
      expect(node.depends_on?.['postgres']?.condition).toBe('service_healthy');
      expect(node.healthcheck?.test.join(' ')).toContain(`127.0.0.1:${probePort}/readyz`);
      expect(seconds(node.stop_grace_period!)).toBeGreaterThan(seconds(flag(node.command!, '--grace')!));
    }
  });
});
