import { Type } from '@sinclair/typebox';
import { defineNode } from '../server/core/define-node.js';

const config = Type.Object({
  text: Type.String({ title: 'Text', default: '', maxLength: 100_000, description: 'Shown on the canvas (Markdown).' }),
  width: Type.Optional(Type.Number({ title: 'Width', minimum: 0, maximum: 100_000, description: 'Size on the canvas in pixels, for a note that frames a group of nodes.' })),
  height: Type.Optional(Type.Number({ title: 'Height', minimum: 0, maximum: 100_000, description: 'Height on the canvas in pixels.' })),
}, { additionalProperties: false });

export default defineNode({
  type: 'note',
  category: 'note',
  label: 'note',
  inputs: {},
  outputs: {},
  config,
  docs: `A note on the canvas: the flow's documentation where it applies. It has no ports and does nothing at run
time. Node-RED's comment nodes become notes; its groups become notes sized to frame their nodes, titled with
the group's name.`,
  create() {
    return {};
  },
});
