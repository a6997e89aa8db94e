// In-memory deployment state, seeded with a few services per environment. One instance is shared by every
// per-request server the MCP handler builds, so all requests see the same world.
import { ConflictError, NotFoundError } from '../shared/tool-error.ts';

export const DEPLOY_STAGES = ['build', 'push', 'rollout', 'verify'] as const;
export type DeployStage = (typeof DEPLOY_STAGES)[number];

export interface RunningService {
  service: string;
  environment: string;
  version: string;
  replicas: number;
  /** Versions this one replaced, oldest first: what `rollback` returns to. */
  previousVersions: string[];
  updatedAt: string;
}

export type DeploymentKind = 'deploy' | 'rollback' | 'canary';
export type DeploymentStatus = 'in_progress' | 'succeeded' | 'cancelled';

export interface Deployment {
  id: string;
  kind: DeploymentKind;
  service: string;
  environment: string;
  version: string;
  fromVersion: string;
  status: DeploymentStatus;
  stagesCompleted: DeployStage[];
  startedAt: string;
  finishedAt?: string;
  /** Canary releases only: share of traffic sent to the new version. */
  trafficPercent?: number;
}

const SEED: ReadonlyArray<Omit<RunningService, 'previousVersions' | 'updatedAt'> & { previous: string[] }> = [
  { service: 'checkout-api', environment: 'staging', version: '2.14.0', replicas: 2, previous: ['2.13.2'] },
  { service: 'checkout-api', environment: 'production', version: '2.13.2', replicas: 6, previous: ['2.13.1'] },
  { service: 'search-indexer', environment: 'staging', version: '0.42.1', replicas: 1, previous: [] },
  { service: 'search-indexer', environment: 'production', version: '0.41.7', replicas: 3, previous: ['0.41.6'] },
  { service: 'payments-webhooks', environment: 'staging', version: '1.8.0', replicas: 1, previous: ['1.7.4'] },
  { service: 'payments-webhooks', environment: 'production', version: '1.7.4', replicas: 4, previous: ['1.7.3'] },
  { service: 'checkout-api', environment: 'preview-pr-311', version: '2.15.0-pr.311', replicas: 1, previous: [] },
];

export class DeploymentState {
  private readonly running = new Map<string, RunningService>();
  private readonly deployments: Deployment[] = [];
  private nextId = 1;

  constructor(private readonly now: () => Date = () => new Date()) {
    const at = this.now().toISOString();
    for (const { previous, ...seed } of SEED) {
      this.running.set(key(seed.service, seed.environment), {
        ...seed,
        previousVersions: [...previous],
        updatedAt: at,
      });
    }
  }

  environments(): string[] {
    return [...new Set([...this.running.values()].map((entry) => entry.environment))].sort();
  }

  listRunning(filter: { service?: string; environment?: string }): RunningService[] {
    return [...this.running.values()].filter(
      (entry) =>
        (filter.service === undefined || entry.service === filter.service) &&
        (filter.environment === undefined || entry.environment === filter.environment),
    );
  }

  listDeployments(filter: { service?: string; environment?: string }, limit: number): Deployment[] {
    return this.deployments
      .filter(
        (entry) =>
          (filter.service === undefined || entry.service === filter.service) &&
          (filter.environment === undefined || entry.environment === filter.environment),
      )
      .slice(-limit)
      .reverse();
  }

  getDeployment(id: string): Deployment {
    const deployment = this.deployments.find((entry) => entry.id === id);
    if (!deployment) throw new NotFoundError('Deployment', id);
    return deployment;
  }

  getRunning(service: string, environment: string): RunningService {
    if (!this.environments().includes(environment)) throw new NotFoundError('Environment', environment);
    const entry = this.running.get(key(service, environment));
    if (!entry) throw new NotFoundError('Service', `${service} in ${environment}`);
    return entry;
  }

  /** Records a new deployment; refuses a second concurrent one for the same service and environment. */
  begin(kind: DeploymentKind, service: string, environment: string, version: string): Deployment {
    const running = this.getRunning(service, environment);
    const busy = this.deployments.find(
      (entry) => entry.status === 'in_progress' && entry.service === service && entry.environment === environment,
    );
    if (busy) throw new ConflictError(`${busy.id} is still in progress for ${service} in ${environment}`);
    const deployment: Deployment = {
      id: `dep-${String(this.nextId++).padStart(4, '0')}`,
      kind,
      service,
      environment,
      version,
      fromVersion: running.version,
      status: 'in_progress',
      stagesCompleted: [],
      startedAt: this.now().toISOString(),
    };
    this.deployments.push(deployment);
    return deployment;
  }

  /** Ends a deployment; only a successful full deploy or rollback changes what runs. */
  finish(deployment: Deployment, status: Exclude<DeploymentStatus, 'in_progress'>): void {
    deployment.status = status;
    deployment.finishedAt = this.now().toISOString();
    if (status !== 'succeeded' || deployment.kind === 'canary') return;
    const running = this.running.get(key(deployment.service, deployment.environment));
    if (!running) return; // the environment was deleted meanwhile
    if (deployment.kind === 'rollback') running.previousVersions.pop();
    else running.previousVersions.push(running.version);
    running.version = deployment.version;
    running.updatedAt = deployment.finishedAt;
  }

  scale(service: string, environment: string, replicas: number): { from: number; to: number } {
    const running = this.getRunning(service, environment);
    const from = running.replicas;
    running.replicas = replicas;
    running.updatedAt = this.now().toISOString();
    return { from, to: replicas };
  }

  deleteEnvironment(environment: string): string[] {
    const services = this.listRunning({ environment });
    if (services.length === 0) throw new NotFoundError('Environment', environment);
    for (const entry of services) this.running.delete(key(entry.service, environment));
    return services.map((entry) => entry.service);
  }
}

function key(service: string, environment: string): string {
  return `${service}\u0000${environment}`;
}
