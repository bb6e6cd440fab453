import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitepress';

// The docs site. `npm run docs:build` first generates the API reference into docs/api (TypeDoc, gitignored) and
// then builds the site; dead internal links fail the build (VitePress' default, kept on: no ignoreDeadLinks).
const docs = join(dirname(fileURLToPath(import.meta.url)), '..');

/** One sidebar entry per generated API module (docs/api/@facekit/<name>/index.md). */
function apiSidebar() {
  const base = join(docs, 'api', '@facekit');
  if (!existsSync(base)) return [{ text: 'run npm run docs:api', link: '/api/' }];
  const items: { text: string; link: string }[] = [];
  for (const name of readdirSync(base).sort()) {
    items.push({ text: `@facekit/${name}`, link: `/api/@facekit/${name}/` });
    if (existsSync(join(base, name, 'node', 'index.md'))) {
      items.push({ text: `@facekit/${name}/node`, link: `/api/@facekit/${name}/node/` });
    }
  }
  return items;
}

export default defineConfig({
  title: 'facekit',
  description: 'Face detection, alignment and recognition (FaceNet, DeepFace) in TypeScript, offline after install',
  cleanUrls: true,
  lastUpdated: false,
  // Not part of the site: notes and generated data that live next to the pages.
  srcExclude: ['**/README.md'],
  themeConfig: {
    nav: [
      { text: 'Guide', link: '/guide/quick-start' },
      { text: 'API', link: '/api/' },
      { text: 'Errors', link: '/errors' },
    ],
    sidebar: {
      '/': [
        {
          text: 'Guide',
          items: [
            { text: 'Quick start', link: '/guide/quick-start' },
            { text: 'Concepts', link: '/guide/concepts' },
            { text: 'Architecture and entry points', link: '/guide/architecture' },
            { text: 'Choosing an embedder', link: '/guide/embedders' },
            { text: 'Thresholds and confidence', link: '/guide/thresholds' },
            { text: 'Face analysis: age, gender, emotion', link: '/guide/analyze' },
            { text: 'Offline weights and the cache', link: '/weights' },
            { text: 'Training FaceNet and DeepFace', link: '/guide/training' },
            { text: 'Scaling out: PostgreSQL + pgvector', link: '/guide/scaling' },
            { text: 'In the browser', link: '/web' },
            { text: 'Robustness', link: '/robustness' },
            { text: 'Examples', link: '/guide/examples' },
            { text: 'Errors', link: '/errors' },
            { text: 'Benchmarks', link: '/benchmarks' },
            { text: 'Releasing', link: '/guide/releasing' },
          ],
        },
        {
          text: 'Packages',
          collapsed: true,
          items: ['align', 'detect', 'pretrained', 'keras', 'facenet', 'deepface', 'node'].map((p) => ({
            text: `@facekit/${p}`,
            link: `/packages/${p}`,
          })),
        },
        { text: 'API reference', collapsed: true, items: [{ text: 'Overview', link: '/api/' }, ...apiSidebar()] },
      ],
    },
    search: { provider: 'local' },
    outline: [2, 3],
  },
});
