// The durable path end to end against the real servers: a worker running the pre-built workflow
// bundle executes healthCheckWorkflow, its activity writes to FerretDB, the recorded history replays
// deterministically, and the run survives a Temporal restart on the same data dir.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime, Worker, type NativeConnection } from '@temporalio/worker';
import { MongoClient } from 'mongodb';
import pino from 'pino';
import { createActivities, HEALTH_CHECKS_COLLECTION, type HealthCheckRecord } from '../../activities/index.ts';
import { writeWorkflowBundle } from '../../integrations/temporal/bundle.ts';
import {
  connectClient,
  connectNativeConnection,
  TASK_QUEUE,
  TemporalUnavailableError,
  type TemporalClientConnection,
} from '../../integrations/temporal/connection.ts';
import { createWorker } from '../../integrations/temporal/worker.ts';
import { freePort } from '../../integrations/embedded/ports.ts';
import type { healthCheckWorkflow } from '../../workflows/index.ts';
import { startEmbeddedStack, type EmbeddedStack } from '../support/embedded.ts';

// The SDK's own logs at ERROR only: the default INFO chatter (and the expected failed attempts below) drown test output.
Runtime.install({ logger: new DefaultLogger('ERROR') });

const DB = 'countersign_test';
const silent = pino({ level: 'silent' });

describe('Temporal worker', () => {
  let stack: EmbeddedStack;
  let temporal: TemporalClientConnection;
  let client: Client;
  let nativeConnection: NativeConnection;
  let mongo: MongoClient;
  let codePath: string;

  before(async () => {
    stack = await startEmbeddedStack();
    ({ codePath } = await writeWorkflowBundle(join(stack.dataDir, 'build', 'workflow-bundle.js')));
    temporal = await connectClient({ address: stack.temporal.address, namespace: stack.temporal.namespace });
    client = temporal.client;
    nativeConnection = await connectNativeConnection({
      address: stack.temporal.address,
      namespace: stack.temporal.namespace,
    });
    // Short server selection so "store down" fails an activity attempt in about a second.
    mongo = await MongoClient.connect(stack.ferret.uri, { serverSelectionTimeoutMS: 1_000 });
  });

  after(async () => {
    await mongo?.close();
    await nativeConnection?.close();
    await temporal?.close();
    await stack?.stop();
  });

  const activities = () => createActivities({ mongo: mongo.db(DB), logger: silent });

  const runHealthCheck = async (worker: Worker, workflowId: string) =>
    worker.runUntil(
      client.workflow.execute<typeof healthCheckWorkflow>('healthCheckWorkflow', {
        taskQueue: TASK_QUEUE,
        workflowId,
        args: [{ requestedBy: 'worker.test' }],
      }),
    );

  test('runs healthCheckWorkflow from the pre-built bundle and records it in FerretDB', async () => {
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: stack.temporal.namespace,
      activities: activities(),
      workflowBundle: { codePath },
    });
    const workflowId = `health-${randomUUID()}`;
    const summary = await runHealthCheck(worker, workflowId);

    assert.equal(summary.status, 'healthy');
    assert.equal(summary.workflowId, workflowId);
    assert.equal(summary.recordId, `${workflowId}/${summary.runId}`);
    assert.ok(summary.auditStore.ok);

    const record = await mongo
      .db(DB)
      .collection<HealthCheckRecord>(HEALTH_CHECKS_COLLECTION)
      .findOne({ _id: summary.recordId });
    assert.ok(record, 'the activity wrote the health check record');
    assert.equal(record.requestedBy, 'worker.test');
    assert.equal(record.runId, summary.runId);
    assert.equal(record.checkedAt, summary.checkedAt);
    assert.equal(record.attempt, 1);

    // The recorded history replays against the same bundle without a determinism error.
    const history = await client.workflow.getHandle(workflowId).fetchHistory();
    await Worker.runReplayHistory({ workflowBundle: { codePath }, replayName: 'healthCheck' }, history, workflowId);

    // The run is durable: it is still there after Temporal restarts on the same data dir.
    await stack.temporal.restart();
    const description = await client.workflow.getHandle(workflowId).describe();
    assert.equal(description.status.name, 'COMPLETED');
  });

  test('bundles workflows in memory when no bundle is given', async () => {
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: stack.temporal.namespace,
      activities: activities(),
    });
    const summary = await runHealthCheck(worker, `health-${randomUUID()}`);
    assert.equal(summary.status, 'healthy');
  });

  test('reports the audit store unhealthy while FerretDB is down, and healthy after it restarts', async () => {
    const worker = await createWorker({
      connection: nativeConnection,
      namespace: stack.temporal.namespace,
      activities: activities(),
      workflowBundle: { codePath },
    });
    await stack.ferret.kill();
    const down = await runHealthCheck(worker, `health-${randomUUID()}`);
    assert.equal(down.status, 'unhealthy');
    assert.equal(down.auditStore.ok, false);
    assert.equal(down.recordId, undefined);

    await stack.ferret.restart();
    const worker2 = await createWorker({
      connection: nativeConnection,
      namespace: stack.temporal.namespace,
      activities: activities(),
      workflowBundle: { codePath },
    });
    const up = await runHealthCheck(worker2, `health-${randomUUID()}`);
    assert.equal(up.status, 'healthy');
  });
});

describe('Temporal connection errors', () => {
  test('an unreachable frontend is a TemporalUnavailableError naming the address', async () => {
    const address = `127.0.0.1:${await freePort()}`;
    await assert.rejects(
      connectClient({ address, namespace: 'default', connectTimeoutMs: 1_000 }),
      (error: unknown) => {
        assert.ok(error instanceof TemporalUnavailableError);
        assert.equal(error.code, 'TEMPORAL_UNAVAILABLE');
        assert.equal(error.address, address);
        assert.ok(error.message.includes(address));
        return true;
      },
    );
    await assert.rejects(connectNativeConnection({ address, namespace: 'default', connectTimeoutMs: 1_000 }), {
      code: 'TEMPORAL_UNAVAILABLE',
    });
  });
});
