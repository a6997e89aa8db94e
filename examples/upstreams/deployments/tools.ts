// The deployment tools. Annotations are honest: deploys, rollbacks and scaling are reversible changes (the previous
// version and replica count can be restored), deleting an environment is not.
import * as z from 'zod';
import { defineTool, type DefinedTool, type ToolRunContext } from '../shared/tool-kit.ts';
import { ConflictError } from '../shared/tool-error.ts';
import { pause } from '../shared/pause.ts';
import { DEPLOY_STAGES, type Deployment, type DeploymentState } from './state.ts';

const Name = z.string().regex(/^[a-z0-9][a-z0-9-]{0,62}$/, 'lower-case letters, digits and dashes');
const Service = Name.describe('Service name, e.g. "checkout-api"');
const Environment = Name.describe('Environment name, e.g. "staging" or "production"');
const Version = z
  .string()
  .regex(/^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?$/, 'a semantic version such as 2.14.1')
  .describe('Version to deploy (semver)');
const StageDelayMs = z.number().int().min(0).max(10_000).default(50).describe('Simulated duration of each stage');

export function deploymentTools(state: DeploymentState): DefinedTool[] {
  return [
    defineTool({
      name: 'list_deployments',
      title: 'List deployments',
      description:
        'Show what runs where (version and replicas per service and environment) and the most recent deployments, ' +
        'optionally filtered by service and environment.',
      input: z.object({
        service: Service.optional(),
        environment: Environment.optional(),
        limit: z.number().int().min(1).max(100).default(20),
      }),
      hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      async run({ service, environment, limit }) {
        const filter = { service, environment };
        return { running: state.listRunning(filter), deployments: state.listDeployments(filter, limit) };
      },
    }),

    defineTool({
      name: 'get_deployment',
      title: 'Get deployment',
      description: 'Return one deployment (deploy, rollback or canary) with its status and completed stages.',
      input: z.object({ id: z.string().min(1).max(40).describe('Deployment id, e.g. "dep-0001"') }),
      hints: { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      async run({ id }) {
        return { deployment: state.getDeployment(id) };
      },
    }),

    defineTool({
      name: 'deploy',
      title: 'Deploy a version',
      description:
        `Deploy a version of a service to an environment through the stages ${DEPLOY_STAGES.join(', ')}, ` +
        'reporting progress after each stage. Cancelling stops it and leaves the running version unchanged.',
      input: z.object({ service: Service, version: Version, environment: Environment, stageDelayMs: StageDelayMs }),
      // Replaces the running version, but the old one is kept and `rollback` restores it.
      hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      async run({ service, version, environment, stageDelayMs }, ctx) {
        if (state.getRunning(service, environment).version === version) {
          throw new ConflictError(`${service} ${version} already runs in ${environment}`);
        }
        return runStages(state, state.begin('deploy', service, environment, version), stageDelayMs, ctx);
      },
    }),

    defineTool({
      name: 'rollback',
      title: 'Roll back a service',
      description: 'Return a service in an environment to the version that ran before the current one.',
      input: z.object({ service: Service, environment: Environment, stageDelayMs: StageDelayMs }),
      // Each call steps one version further back, so two calls are not one.
      hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
      async run({ service, environment, stageDelayMs }, ctx) {
        const previous = state.getRunning(service, environment).previousVersions.at(-1);
        if (previous === undefined) throw new ConflictError(`${service} in ${environment} has no earlier version`);
        return runStages(state, state.begin('rollback', service, environment, previous), stageDelayMs, ctx);
      },
    }),

    defineTool({
      name: 'scale_service',
      title: 'Scale a service',
      description: 'Set the number of replicas of a service in an environment (0 stops it).',
      input: z.object({ service: Service, environment: Environment, replicas: z.number().int().min(0).max(50) }),
      hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: true, openWorldHint: false },
      async run({ service, environment, replicas }) {
        return { service, environment, replicas: state.scale(service, environment, replicas) };
      },
    }),

    defineTool({
      name: 'delete_environment',
      title: 'Delete an environment',
      description: 'Tear down an environment and every service running in it. This cannot be undone.',
      input: z.object({ environment: Environment }),
      hints: { readOnlyHint: false, destructiveHint: true, idempotentHint: true, openWorldHint: false },
      async run({ environment }) {
        return { environment, removedServices: state.deleteEnvironment(environment) };
      },
    }),
  ];
}

/** The beta tool that `POST /admin/tools/enable-beta` adds at run time. */
export function canaryReleaseTool(state: DeploymentState): DefinedTool {
  return defineTool({
    name: 'canary_release',
    title: 'Start a canary release',
    description: "Send a share of an environment's traffic to a new version of a service, next to the running one.",
    input: z.object({
      service: Service,
      version: Version,
      environment: Environment,
      trafficPercent: z.number().int().min(1).max(50).default(5),
    }),
    hints: { readOnlyHint: false, destructiveHint: false, idempotentHint: false, openWorldHint: false },
    async run({ service, version, environment, trafficPercent }) {
      const deployment = state.begin('canary', service, environment, version);
      deployment.trafficPercent = trafficPercent;
      state.finish(deployment, 'succeeded');
      return { deployment };
    },
  });
}

async function runStages(
  state: DeploymentState,
  deployment: Deployment,
  stageDelayMs: number,
  ctx: ToolRunContext,
): Promise<Record<string, unknown>> {
  for (const [index, stage] of DEPLOY_STAGES.entries()) {
    if (!(await pause(stageDelayMs, ctx.signal))) {
      state.finish(deployment, 'cancelled');
      // The client has gone; this result is only seen if a transport still delivers it, but the record is kept.
      return { deployment };
    }
    deployment.stagesCompleted.push(stage);
    await ctx.progress(index + 1, DEPLOY_STAGES.length, `${stage} done`);
  }
  state.finish(deployment, 'succeeded');
  return { deployment };
}
