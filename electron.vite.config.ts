import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import react from '@vitejs/plugin-react'

// Three builds, split by environment as VS Code does: main (Node/Electron main + the headless core, CLI
// and child-process entries), preload (sandboxed, so one self-contained CommonJS file), renderer (browser).
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      rollupOptions: {
        input: {
          index: resolve('src/main/index.ts'),
          cli: resolve('src/main/cli/index.ts'),
          'db-host': resolve('src/main/core/hosts/database/host.ts'),
          'train-host': resolve('src/main/core/hosts/native/host.ts'),
        },
        output: {
          format: 'es',
          entryFileNames: '[name].js',
          // Flat output: child-process entries are found next to whichever chunk asks for them.
          chunkFileNames: '[name]-[hash].js',
        },
      },
    },
  },
  preload: {
    build: {
      outDir: 'out/preload',
      // A sandboxed preload can only require('electron'): bundle everything else into it.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve('src/preload/index.ts') },
        external: ['electron'],
        output: { format: 'cjs', entryFileNames: '[name].cjs' },
      },
    },
  },
  renderer: {
    root: resolve('src/renderer'),
    plugins: [react()],
    build: {
      outDir: resolve('out/renderer'),
      rollupOptions: { input: { index: resolve('src/renderer/index.html') } },
    },
  },
})
