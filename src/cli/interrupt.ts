/**
 * Ctrl-C / SIGTERM for long commands: the first signal aborts the returned signal so work can
 * clean up (Packer stops its process group, targets tear down); a second one exits at once.
 */
export function interruptSignal(): {
  signal: AbortSignal;
  dispose: () => void;
  received: () => NodeJS.Signals | undefined;
} {
  const controller = new AbortController();
  let got: NodeJS.Signals | undefined;
  const onSignal = (sig: NodeJS.Signals) => {
    if (got) process.exit(sig === 'SIGINT' ? 130 : 143);
    got = sig;
    process.stderr.write(`imagegate: ${sig} received: cleaning up (send it again to exit at once)\n`);
    controller.abort(new Error(`interrupted by ${sig}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    received: () => got,
    dispose: () => {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}
