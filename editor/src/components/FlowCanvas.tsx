import {
  Background, BackgroundVariant, Controls, MiniMap, ReactFlow, useReactFlow, type Connection, type Edge, type IsValidConnection, type OnDelete,
  type OnNodeDrag,
} from '@xyflow/react';
import { useCallback, useMemo, type DragEvent, type PointerEvent } from 'react';
import { useCanEdit } from '../auth/session';
import { addWire, moveNodes, removeElements } from '../collab/edits';
import { nodeTypes } from '../nodes/node-types';
import { editableSession, useEditorStore } from '../store';
import type { CanvasEdge, CanvasNode } from '../types';
import { DRAG_TYPE } from './PaletteItem';
import { RemoteCursors } from './RemoteCursors';
import { useAddNode } from './useAddNode';

/** Minimap colours follow the node categories of styles.css. */
const CATEGORY_COLOURS: Record<string, string> = { source: '#0f9f6e', process: '#3b6fd8', sink: '#d9822b' };

/** Fitting never zooms in past 100 %: a small flow stays at its natural size, on opening and with the fit button. */
const FIT_OPTIONS = { padding: 0.25, maxZoom: 1 };

const minimapColour = (node: CanvasNode) => CATEGORY_COLOURS[node.data.category] ?? '#8a94a6';

/** An output may feed an input of another node, once. */
const isValidConnection: IsValidConnection<CanvasEdge> = (c: Connection | Edge) => {
  if (!c.sourceHandle || !c.targetHandle || c.source === c.target) return false;
  const { nodes, edges } = useEditorStore.getState();
  const source = nodes.find((n) => n.id === c.source);
  const target = nodes.find((n) => n.id === c.target);
  if (!source?.data.outputs.some((p) => p.name === c.sourceHandle)) return false;
  if (!target?.data.inputs.some((p) => p.name === c.targetHandle)) return false;
  return !edges.some((e) => e.source === c.source && e.sourceHandle === c.sourceHandle && e.target === c.target && e.targetHandle === c.targetHandle);
};

const onConnect = (c: Connection) => {
  const session = editableSession();
  if (session && c.sourceHandle && c.targetHandle) addWire(session, { node: c.source, port: c.sourceHandle }, { node: c.target, port: c.targetHandle });
};

const onNodeDragStop: OnNodeDrag<CanvasNode> = (_event, _node, dragged) => {
  const session = editableSession();
  if (session) moveNodes(session, dragged.map((n) => ({ id: n.id, position: n.position })));
};

const onDelete: OnDelete<CanvasNode, CanvasEdge> = ({ nodes, edges }) => {
  const session = editableSession();
  if (session) removeElements(session, nodes.map((n) => n.id), edges.map((e) => e.id));
};

const onDragOver = (e: DragEvent) => {
  if (!e.dataTransfer.types.includes(DRAG_TYPE)) return;
  e.preventDefault();
  e.dataTransfer.dropEffect = 'copy';
};

export function FlowCanvas() {
  const flowId = useEditorStore((s) => s.selectedFlowId);
  const ready = useEditorStore((s) => s.draft !== null);
  const collab = useEditorStore((s) => s.collab);
  const collabDetail = useEditorStore((s) => s.collabDetail);
  const nodes = useEditorStore((s) => s.nodes);
  const edges = useEditorStore((s) => s.edges);
  const onNodesChange = useEditorStore((s) => s.onNodesChange);
  const onEdgesChange = useEditorStore((s) => s.onEdgesChange);
  const addNode = useAddNode();
  const edit = useCanEdit();
  // React Flow keeps a fit queued until the canvas has nodes: on a flow that opened empty, the first node
  // dropped from the palette would jump to the centre and zoom. Only flows with nodes are fitted.
  const fitOnOpen = useMemo(() => nodes.length > 0, [flowId, ready]);
  const onDrop = useCallback((e: DragEvent) => {
    const type = e.dataTransfer.getData(DRAG_TYPE);
    if (!type) return;
    e.preventDefault();
    addNode(type, { x: e.clientX, y: e.clientY });
  }, [addNode]);
  const { screenToFlowPosition } = useReactFlow();
  // The others see this pointer (throttled by the session); leaving the canvas hides it for them.
  const onPointerMove = useCallback((e: PointerEvent) => {
    useEditorStore.getState().session?.setCursor(screenToFlowPosition({ x: e.clientX, y: e.clientY }));
  }, [screenToFlowPosition]);
  const onPointerLeave = useCallback(() => useEditorStore.getState().session?.setCursor(null), []);

  if (!ready) {
    const text = flowId === null ? 'No flow selected.' : collab === 'offline' ? `Cannot open the shared draft${collabDetail ? `: ${collabDetail}` : ''}; retrying…` : 'Loading the flow…';
    return <div className="sl-canvas sl-canvas-empty" data-testid="canvas-loading">{text}</div>;
  }
  return (
    <div className="sl-canvas" data-testid="canvas" data-ready="true">
      {/* A new key per flow remounts the canvas, so each flow is fitted to the view when it opens. */}
      <ReactFlow<CanvasNode, CanvasEdge>
        key={flowId}
        nodes={nodes}
        edges={edges}
        nodeTypes={nodeTypes}
        onNodesChange={onNodesChange}
        onEdgesChange={onEdgesChange}
        onConnect={onConnect}
        isValidConnection={isValidConnection}
        onNodeDragStop={onNodeDragStop}
        onDelete={onDelete}
        onDrop={onDrop}
        onDragOver={onDragOver}
        onPointerMove={onPointerMove}
        onPointerLeave={onPointerLeave}
        deleteKeyCode={edit ? ['Delete', 'Backspace'] : null}
        nodesDraggable={edit}
        nodesConnectable={edit}
        multiSelectionKeyCode={['Shift', 'Meta', 'Control']}
        fitView={fitOnOpen}
        fitViewOptions={FIT_OPTIONS}
        minZoom={0.1}
      >
        <Background variant={BackgroundVariant.Dots} gap={20} size={1.2} color="#c9d1dd" />
        <MiniMap<CanvasNode> nodeColor={minimapColour} nodeStrokeWidth={0} pannable zoomable ariaLabel="Flow overview" />
        <Controls showInteractive={false} fitViewOptions={FIT_OPTIONS} />
        <RemoteCursors />
      </ReactFlow>
    </div>
  );
}
