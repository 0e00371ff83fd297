import type { NodeDefinition } from '../server/core/types.js';
import apiPoller from './api-poller.js';
import debug from './debug.js';
import simulate from './simulate.js';
import validate from './validate.js';
import webhook from './webhook.js';

/** Every node type shipped with Sluice; registering a node is adding it here. */
export const builtinNodes: NodeDefinition[] = [simulate, apiPoller, validate, debug, webhook];
