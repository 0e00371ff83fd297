import type { NodeDefinition } from '../server/core/types.js';
import debug from './debug.js';
import questdb from './questdb.js';
import simulate from './simulate.js';
import validate from './validate.js';

/** Every node type shipped with Sluice; registering a node is adding it here. */
export const builtinNodes: NodeDefinition[] = [simulate, validate, debug, questdb];
