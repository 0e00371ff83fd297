import type { NodeDefinition } from '../server/core/types.js';
import alert from './alert.js';
import apiPoller from './api-poller.js';
import debug from './debug.js';
import ftpReceiver from './ftp-receiver.js';
import functionNode from './function.js';
import httpIn from './http-in.js';
import mqttIn from './mqtt-in.js';
import mqttOut from './mqtt-out.js';
import postgres from './postgres.js';
import questdb from './questdb.js';
import regionLookup from './region-lookup.js';
import repartition from './repartition.js';
import rollup from './rollup.js';
import simulate from './simulate.js';
import topK from './top-k.js';
import validate from './validate.js';
import webhook from './webhook.js';

/** Every node type shipped with Sluice, sources first, then processing, then sinks; registering a node is adding it here. */
export const builtinNodes: NodeDefinition[] = [
  mqttIn, ftpReceiver, httpIn, apiPoller, simulate,
  validate, regionLookup, repartition, rollup, alert, topK, functionNode,
  questdb, postgres, mqttOut, webhook, debug,
];
