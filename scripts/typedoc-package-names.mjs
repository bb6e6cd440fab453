// TypeDoc plugin: names each entry point's module after its package ('packages/node/src/index.ts' →
// '@facekit/node', 'packages/keras/src/node.ts' → '@facekit/keras/node') instead of its path.
import { Converter } from 'typedoc';

/** @param {import('typedoc').Application} app */
export function load(app) {
  app.converter.on(Converter.EVENT_RESOLVE_BEGIN, (context) => {
    for (const m of context.project.children ?? []) {
      const match = /^(\w+)\/src(?:\/(\w+))?$/.exec(m.name);
      if (match) m.name = `@facekit/${match[1]}${match[2] ? `/${match[2]}` : ''}`;
    }
  });
}
