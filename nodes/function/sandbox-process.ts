/**
 * Entry point of a sandbox process, forked by `SandboxHost` with `--no-node-snapshot` (isolated-vm
 * needs it on Node 20). One process per function node: a catastrophic isolate error ends this
 * process only, and the host starts a new one.
 */
import type { ChildMessage, HostMessage } from './protocol.js';
import { errorText, LoadError, Sandbox } from './sandbox.js';

let sandbox: Sandbox | undefined;

function send(message: ChildMessage): void {
  process.send!(message);
}

process.on('message', (message: HostMessage) => {
  if (message.kind === 'init') {
    sandbox = new Sandbox(message.options);
    try {
      sandbox.load();
      send({ kind: 'ready' });
    } catch (err) {
      if (!(err instanceof LoadError)) throw err;
      send({ kind: 'init-failed', error: err.message });
    }
    return;
  }
  if (!sandbox) throw new Error('a batch arrived before the sandbox was initialised');
  try {
    send({ kind: 'ran', ...sandbox.call(message) });
  } catch (err) {
    // Not a limit and not the user's error (those come back in the envelope): start afresh next time.
    sandbox.dispose();
    send({ kind: 'ran', id: message.id, failure: err instanceof LoadError ? err.message : `sandbox failure: ${errorText(err)}` });
  }
});

// The server went away (even by kill -9): nothing is left to serve.
process.on('disconnect', () => process.exit(0));
