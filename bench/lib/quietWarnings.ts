// The load generator's v1 SDK client (part 6) calls fetch() on one long-lived transport signal;
// undici registers an abort listener per request on it and drops them only when requests are
// garbage-collected, so Node warns "1501 abort listeners added" once per call after the first
// 1,500 (thousands of lines in the bench log). That is the client's behaviour, in this process,
// not the gateway's: say it once and keep every other warning as Node prints it.
export function printListenerWarningsOnce(): void {
  let told = false;
  process.removeAllListeners('warning');
  process.on('warning', (warning) => {
    if (warning.name === 'MaxListenersExceededWarning' && /AbortSignal/.test(warning.message)) {
      if (told) return;
      told = true;
      process.stderr.write(`(load generator) ${warning.name}: ${warning.message} (further ones not shown)\n`);
      return;
    }
    process.stderr.write(`${warning.name}: ${warning.message}\n`);
  });
}
