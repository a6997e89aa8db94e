// `npm run bench`: the gateway against a direct connection to the same upstream, in one run.
//
// Processes: FerretDB (audit store), the deployments example upstream (2026-07-28 MCP over HTTP) and
// the gateway (bench/gatewayProcess.ts) each run in their own process; this process is the load
// generator. Every figure is printed side by side and written to .bench/latest.json.
//
//   npm run bench                     the figures (≈ 8–12 minutes on 2 cores, most of it the long run)
//   npm run bench -- --profile        also a CPU profile of the gateway during a sustained run
//   npm run bench -- --attribute      also gateway variants and profiles that say what costs what
//   npm run bench -- --attribute-only only the attribution (writes .bench/attribution.json)
//   npm run bench -- --long-only      only part 6, the heap over many calls (writes .bench/long.json)
//   npm run bench -- --quick          small counts, to check the harness (figures not comparable; .bench/quick.json)
//
// Environment (defaults): BENCH_N (2000) calls per latency run after BENCH_WARMUP (200);
// BENCH_CONCURRENCY_HIGH (32); BENCH_SUSTAIN_S (10) at BENCH_SUSTAIN_CONCURRENCY (64);
// BENCH_SESSIONS (1000); BENCH_LONG_CALLS (200000) at BENCH_LONG_CONCURRENCY (16) on one
// BENCH_LONG_CLIENT session (legacy | modern), heap sampled every BENCH_LONG_SAMPLE_EVERY (10000)
// calls, stopped after BENCH_LONG_MAX_S (420) or 500 errors; BENCH_LONG_SNAPSHOTS=1 writes gateway heap
// snapshots at its start and end (.bench/long-start|end.heapsnapshot; compare with bench/heapDiff.ts).
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { runAttribution, type AttributionResult } from './lib/attribution.ts';
import { openAuditRecordCounter } from './lib/auditRecordCount.ts';
import {
  REPO_ROOT,
  acquireBenchLock,
  cleanupAll,
  installExitHooks,
  startFerret,
  startUpstream,
  tempDir,
} from './lib/children.ts';
import { startGatewayChild } from './lib/gatewayChild.ts';
import { gatewayConfigText, grantConsent, prepareIdentity } from './lib/identity.ts';
import { runLeanPeers, type LeanPeersResult } from './lib/leanPeers.ts';
import { closeSessions, connectModern, openIdleSessions } from './lib/load.ts';
import { jsonRoundTripUs, machineInfo } from './lib/machine.ts';
import { printListenerWarningsOnce } from './lib/quietWarnings.ts';
import {
  heapMb,
  profiledRun,
  sustained,
  waitForQuietMachine,
  waitForQuietStore,
  type ProcessIds,
} from './lib/measure.ts';
import { auditHistograms, latencyPair, log, longRun } from './lib/phases.ts';
import { histogramDelta } from './lib/promHistogram.ts';
import { auditBatches, f, formatLean, heapSeries, print } from './lib/report.ts';
import { SETTINGS } from './lib/settings.ts';
import { targetLines } from './lib/targets.ts';
import { formatSummary, type ProfileSummary } from './profileSummary.ts';

const OUT_DIR = path.join(REPO_ROOT, '.bench');

async function main(): Promise<void> {
  installExitHooks();
  printListenerWarningsOnce();
  const startedAt = new Date();
  const machine = machineInfo();
  log(
    `machine: ${machine.cpuModel}, ${machine.cores} cores, ${machine.totalMemoryGiB} GiB, node ${machine.node}, ` +
      `JSON round trip ${machine.jsonRoundTripUs} µs`,
  );
  // The machine reference again after each measured phase: on this VM type the speed has doubled or
  // halved within one run, which the figures alone do not show.
  const machineSpeedUs: Record<string, number> = { start: machine.jsonRoundTripUs };
  await mkdir(OUT_DIR, { recursive: true });
  await acquireBenchLock(OUT_DIR, log);

  log('starting FerretDB, the deployments upstream and the gateway (each in its own process)');
  const ferret = await startFerret();
  const upstream = await startUpstream();
  const identity = await prepareIdentity(await tempDir('countersign-bench-identity-'));
  const gateway = await startGatewayChild({
    variant: 'full',
    configText: gatewayConfigText({ identity, upstreamUrl: upstream.url, database: 'countersign_bench' }),
    upstreamUrl: upstream.url,
    mongoUri: ferret.uri,
    logLevel: process.env.LOG_LEVEL ?? 'info',
  });
  if (SETTINGS.attributeOnly) {
    await gateway.stop();
    const attribution = await runAttribution({ upstream, ferret, identity, outDir: OUT_DIR, log });
    const file = path.join(OUT_DIR, 'attribution.json');
    await writeFile(file, `${JSON.stringify({ date: startedAt.toISOString(), machine, attribution }, null, 2)}\n`);
    console.log(`\n${attribution.report}\n\nwritten to ${path.relative(REPO_ROOT, file)}`);
    return;
  }
  const lean = (): Promise<LeanPeersResult> =>
    runLeanPeers({
      ferret,
      identity,
      n: SETTINGS.n,
      warmup: SETTINGS.warmup,
      seconds: SETTINGS.sustainSeconds,
      concurrency: SETTINGS.sustainConcurrency,
      log,
    });
  if (SETTINGS.leanOnly) {
    await gateway.stop();
    const leanResult = await lean();
    const file = path.join(OUT_DIR, 'lean.json');
    await writeFile(file, `${JSON.stringify({ date: startedAt.toISOString(), machine, lean: leanResult }, null, 2)}\n`);
    console.log(
      `${formatLean(leanResult, SETTINGS)}\n${leanResult.profile ?? ''}\nwritten to ${path.relative(REPO_ROOT, file)}`,
    );
    return;
  }
  const token = await grantConsent(identity, gateway.baseUrl);
  const store = await openAuditRecordCounter(ferret.uri, 'countersign_bench');
  const auditRecords = (): Promise<number> => store.count();
  const recordsAt: Record<string, number> = {};
  const drains: Record<string, number> = {};
  const drain = async (phase: string): Promise<void> => {
    const waited = await waitForQuietStore(ferret.pid, SETTINGS.drainMaxSeconds);
    drains[phase] = waited.seconds;
    if (waited.seconds > 2)
      log(
        `  FerretDB stayed busy ${waited.seconds.toFixed(0)} s after ${phase}${waited.quiet ? '' : ' (still busy; going on)'}`,
      );
  };
  const pids: ProcessIds = { gateway, upstreamPid: upstream.pid, ferretPid: ferret.pid };
  const direct = await connectModern('direct', upstream.url, SETTINGS.tool, SETTINGS.arguments);
  const viaGateway = await connectModern(
    'gateway',
    gateway.mcpUrl,
    `deployments.${SETTINGS.tool}`,
    SETTINGS.arguments,
    token,
  );
  for (const caller of [direct, viaGateway]) {
    if (!(await caller.call())) throw new Error(`${caller.label}: sanity call failed: ${caller.lastError()}`);
  }

  if (SETTINGS.longOnly) {
    await direct.close();
    await viaGateway.close();
    await waitForQuietMachine(log);
    const long = await longRun(gateway, token, OUT_DIR);
    await store.close();
    const file = path.join(OUT_DIR, 'long.json');
    await writeFile(
      file,
      `${JSON.stringify({ date: startedAt.toISOString(), machine, settings: SETTINGS, long }, null, 2)}\n`,
    );
    console.log(
      `long run: ${long.calls} calls on one ${long.client} session at c=${long.concurrency} in ${f(long.seconds, 0)} s (${f(long.callsPerSecond, 0)}/s), ` +
        `${long.errors} errors${long.stoppedEarly ? `; stopped early: ${long.stoppedEarly}` : ''}\n` +
        `heap after GC (MB) by calls: ${heapSeries(long)}; growth ${f(long.growthMb)} MB, slope ${f(long.slopeMbPer100k)} MB per 100k calls\n` +
        `written to ${path.relative(REPO_ROOT, file)}`,
    );
    return;
  }

  // (1) and (2): latency, one call at a time and 32 at a time.
  await waitForQuietMachine(log);
  const c1 = await latencyPair(direct, viaGateway, 1);
  machineSpeedUs['after c=1'] = jsonRoundTripUs();
  recordsAt['afterConcurrency1'] = await auditRecords();
  if (recordsAt['afterConcurrency1'] < 0)
    log('  WARNING: the audit database did not answer a count within 20 s (see BENCHMARKS.md)');
  await drain('concurrency 1');
  const cHigh = await latencyPair(direct, viaGateway, SETTINGS.concurrencyHigh);
  recordsAt['afterConcurrencyHigh'] = await auditRecords();
  await drain(`concurrency ${SETTINGS.concurrencyHigh}`);

  // (3) and (4): sustained throughput and CPU per call.
  log(
    `sustained: ${SETTINGS.sustainSeconds} s at concurrency ${SETTINGS.sustainConcurrency} through the gateway, then direct`,
  );
  const auditBefore = await auditHistograms(gateway);
  const sustainedGateway = await sustained(viaGateway, SETTINGS.sustainSeconds, SETTINGS.sustainConcurrency, pids);
  const auditAfter = await auditHistograms(gateway);
  recordsAt['afterSustained'] = await auditRecords();
  await drain('the sustained run');
  const audit = auditBatches(
    histogramDelta(auditAfter.latency, auditBefore.latency),
    histogramDelta(auditAfter.size, auditBefore.size),
  );
  const sustainedDirect = await sustained(direct, SETTINGS.sustainSeconds, SETTINGS.sustainConcurrency, {
    upstreamPid: upstream.pid,
    ferretPid: ferret.pid,
  });
  machineSpeedUs['after sustained'] = jsonRoundTripUs();

  let profile: ProfileSummary | undefined;
  if (SETTINGS.profile) {
    log(
      `profiled sustained run (not counted above): ${SETTINGS.sustainSeconds} s at concurrency ${SETTINGS.sustainConcurrency}`,
    );
    const file = path.join(OUT_DIR, 'gateway-sustained.cpuprofile');
    profile = await profiledRun(gateway, viaGateway, SETTINGS.sustainSeconds, SETTINGS.sustainConcurrency, file);
    log(`profile written to ${path.relative(REPO_ROOT, file)}`);
  }
  await direct.close();
  await viaGateway.close();

  // (7, run here so the long run is last) the gateway between lean peers.
  await drain('the profiled run');
  const leanResult = await lean();
  machineSpeedUs['after lean peers'] = jsonRoundTripUs();

  // (5) heap per 1,000 idle 2025-era sessions.
  log(`idle sessions: opening ${SETTINGS.sessions} 2025-era MCP transport sessions`);
  const sessionsBefore = await heapMb(gateway);
  const ids = await openIdleSessions(gateway.mcpUrl, SETTINGS.sessions, token);
  const sessionsOpen = await heapMb(gateway);
  await closeSessions(gateway.mcpUrl, ids, token);
  const sessionsClosed = await heapMb(gateway);
  const sessions = {
    count: ids.length,
    heapBeforeMb: sessionsBefore.heapUsedMb,
    heapOpenMb: sessionsOpen.heapUsedMb,
    heapAfterCloseMb: sessionsClosed.heapUsedMb,
    rssBeforeMb: sessionsBefore.rssMb,
    rssOpenMb: sessionsOpen.rssMb,
    mbPer1000: ((sessionsOpen.heapUsedMb - sessionsBefore.heapUsedMb) * 1000) / ids.length,
  };

  // (6) heap over many calls on one session.
  recordsAt['beforeLongRun'] = await auditRecords();
  const long = await longRun(gateway, token, OUT_DIR);
  recordsAt['afterLongRun'] = await auditRecords();
  machineSpeedUs['after long run'] = jsonRoundTripUs();
  await store.close();

  let attribution: AttributionResult | undefined;
  if (SETTINGS.attribute) {
    await gateway.stop();
    // A fresh store: the main run leaves FerretDB working through its outcome backlog for minutes.
    await ferret.stop();
    const freshFerret = await startFerret();
    attribution = await runAttribution({ upstream, ferret: freshFerret, identity, outDir: OUT_DIR, log });
  }

  const targets = targetLines({ c1, sustainedGateway, lean: leanResult, sessions, long });

  const result = {
    date: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    machine,
    machineSpeedUs,
    settings: SETTINGS,
    targets,
    latency: { concurrency1: c1, concurrencyHigh: cHigh },
    sustained: { gateway: sustainedGateway, direct: sustainedDirect, auditBatches: audit },
    sessions,
    long,
    lean: leanResult,
    auditRecordsInStore: recordsAt,
    storeBusySecondsAfter: drains,
    ...(profile ? { profile } : {}),
    ...(attribution ? { attribution } : {}),
  };
  // --quick figures are not comparable: keep them out of latest.json.
  const outFile = path.join(OUT_DIR, SETTINGS.quick ? 'quick.json' : 'latest.json');
  await writeFile(outFile, `${JSON.stringify(result, null, 2)}\n`);

  print(
    SETTINGS,
    result,
    c1,
    cHigh,
    sustainedGateway,
    sustainedDirect,
    audit,
    sessions,
    long,
    targets,
    recordsAt,
    drains,
  );
  console.log(`\n${formatLean(leanResult, SETTINGS)}`);
  if (profile)
    console.log(
      `\n${formatSummary(profile, 'gateway CPU profile, sustained run', sustainedGateway.cpuUsPerCall.gateway)}`,
    );
  if (attribution) console.log(`\n${attribution.report}`);
  console.log(`\nwritten to ${path.relative(REPO_ROOT, outFile)} (${f(result.durationSeconds, 0)} s)`);
}

main()
  .catch((error: unknown) => {
    process.exitCode = 1;
    console.error(`bench failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  })
  .finally(async () => {
    await cleanupAll();
    // Open keep-alive sockets must not keep the process alive once the children are gone.
    setTimeout(() => process.exit(process.exitCode ?? 0), 200).unref();
  });
