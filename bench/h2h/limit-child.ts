import mqtt from 'mqtt';
import { childArgs, serve, tallyFor } from './child-link.js';

/** The limit: a bare mqtt.js subscriber at QoS 1 that parses each message and tallies its readings. */
const args = childArgs();
const tally = tallyFor(args);
const link = serve(tally);
const client = await mqtt.connectAsync(args.url, { clientId: args.clientId, clean: !args.persistent });
client.on('message', (_topic, payload) => {
  const now = Date.now();
  for (const r of JSON.parse(payload.toString()) as Record<string, unknown>[]) tally.record(r, now);
  tally.endBatch();
});
await client.subscribeAsync(`${args.prefix}/#`, { qos: 1 });
link.ready();
