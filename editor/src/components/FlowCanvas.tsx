import { Background, BackgroundVariant, Controls, MiniMap, ReactFlow } from '@xyflow/react';
import { nodeTypes } from '../nodes/node-types';
import { useEditorStore } from '../store';
import type { CanvasNode } from '../types';

/** Minimap colours follow the node categories of styles.css. */
const CATEGORY_COLOURS: Record<string, string> = { source: '#0f9f6e', process: '#3b6fd8', sink: '#d9822b' };

const minimapColour = (node: CanvasNode) => CATEGORY_COLOURS[node.data.category] ?? '#8a94a6';

export function FlowCanvas() {
  const shown = useEditorStore((s) => s.shown);
  const nodes = useEditorStore((s) => s.nodes);
  const edges = useEditorStore((s) => s.edges);
  const onNodesChange = useEditorStore((s) => s.onNodesChange);

  if (!shown) return <div className="sl-canvas sl-canvas-empty">Loading the flow…</div>;
  return (
    <div className="sl-canvas" data-testid="canvas">
      {/* A new key per revision remounts the canvas, so each flow or redeploy is fitted to the view once. */}
      <ReactFlow<CanvasNode>
        key={`${shown.flowId}@${shown.source}:${shown.revision ?? ''}`}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        nodesDraggable={false}
        nodesConnectable={false}
        edgesFocusable={false}
        fitView
        fitViewOptions={{ padding: 0.25, maxZoom: 1 }}
        minZoom={0.2}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#c9d1dd" />
        <MiniMap<CanvasNode> nodeColor={minimapColour} nodeStrokeWidth={0} pannable zoomable ariaLabel="Flow overview" />
        <Controls showInteractive={false} />
      </ReactFlow>
    </div>
  );
}
