import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// `npm run dev` serves the editor with hot reload while `npm start` runs the API on :8840.
const server = 'http://127.0.0.1:8840';

export default defineConfig({
  root: 'editor',
  plugins: [react()],
  build: {
    outDir: '../dist/editor',
    emptyOutDir: true,
    sourcemap: true,
    rolldownOptions: {
      // Two pages: the editor, and the dashboard (/dashboards/<page>) that loads none of the editor's code.
      input: {
        editor: fileURLToPath(new URL('editor/index.html', import.meta.url)),
        dashboard: fileURLToPath(new URL('editor/dashboard.html', import.meta.url)),
      },
      output: {
        // Libraries in chunks of their own: no chunk passes Vite's 500 kB warning, and they stay cached
        // across releases that change only the editor's code. Other entries share the same chunks.
        codeSplitting: {
          groups: [
            { name: 'react', test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 3 },
            { name: 'xyflow', test: /node_modules[\\/](@xyflow|d3-[a-z]+|classcat|zustand)[\\/]/, priority: 2 },
            { name: 'yjs', test: /node_modules[\\/](yjs|y-protocols|lib0)[\\/]/, priority: 2 },
          ],
        },
      },
    },
  },
  server: {
    proxy: {
      '/api': { target: server, ws: true },
      '/health': server,
      '/metrics': server,
    },
  },
});
