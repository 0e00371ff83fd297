import { builtinNodes } from '../../nodes/index.js';
import { silentLogger } from '../../server/core/logger.js';
import { NodeRegistry } from '../../server/core/registry.js';
import type { DataRecord } from '../../server/core/types.js';
import { RuntimeManager } from '../../server/runtime/manager.js';
import { received, testNodes } from '../fixtures/test-nodes.js';
import { uniqueClientId } from './mqtt-broker.js';
import { tempDir } from './temp-dir.js';
import { waitFor } from './wait.js';

type TestContext = Parameters<typeof tempDir>[0];

export async function openRuntime(t: TestContext): Promise<RuntimeManager> {
  const manager = await RuntimeManager.open({ dataDir: tempDir(t), registry: new NodeRegistry([...builtinNodes, ...testNodes]), log: silentLogger });
  t.after(() => manager.close());
  return manager;
}

/**
 * Deploys `mqtt-in` (node id `in`) wired to two in-process test sinks, `<flow>-out` and `<flow>-invalid`,
 * and waits until its subscription is active. Returns readers for what each sink received.
 */
export async function deployMqttIn(manager: RuntimeManager, flowId: string, config: object, settings?: object) {
  const out = `${flowId}-out`;
  const invalid = `${flowId}-invalid`;
  received.delete(out);
  received.delete(invalid);
  await manager.deploy(flowId, {
    sluice: 1, id: flowId,
    nodes: [
      // A unique client id and a clean session: the shared Mosquitto must not keep sessions of past runs.
      { id: 'in', type: 'mqtt-in', config: { clientId: uniqueClientId(flowId), clean: true, ...config } },
      { id: out, type: 'test-sink' },
      { id: invalid, type: 'test-sink' },
    ],
    wires: [{ from: 'in', to: out }, { from: 'in:invalid', to: invalid }],
    ...(settings ? { settings } : {}),
  });
  const status = () => manager.status(flowId)!.nodes.in!.status;
  await waitFor(`mqtt-in of ${flowId} subscribed (status: ${JSON.stringify(status())})`, () => /subscribed to/.test(status().text ?? ''));
  return {
    status,
    out: (): DataRecord[] => received.get(out) ?? [],
    invalid: (): DataRecord[] => received.get(invalid) ?? [],
  };
}
