import type { NodeTypes } from '@xyflow/react';
import { SluiceNode } from './SluiceNode';

/** Defined once at module scope: a new object on each render would make React Flow remount every node. */
export const nodeTypes = { sluice: SluiceNode } satisfies NodeTypes;
