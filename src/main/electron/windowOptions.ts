// The BrowserWindow's security-relevant options, kept in a module with no runtime Electron import so a
// test can assert them without the Electron binary.
import type { BrowserWindowConstructorOptions } from 'electron'

export interface WindowBounds {
  x?: number
  y?: number
  width: number
  height: number
  maximized?: boolean
}

export const DEFAULT_BOUNDS: WindowBounds = { width: 1280, height: 820 }

export function createWindowOptions(preloadPath: string, bounds: WindowBounds = DEFAULT_BOUNDS): BrowserWindowConstructorOptions {
  return {
    ...bounds,
    minWidth: 760,
    minHeight: 480,
    show: false,
    title: 'sqlstill',
    backgroundColor: '#1e1f22',
    webPreferences: {
      preload: preloadPath,
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      navigateOnDragDrop: false,
      spellcheck: false,
    },
  }
}

/** Only our own bundled page may load; everything else (links, drags, redirects) is refused. */
export function isAllowedNavigation(url: string, rendererUrl: string): boolean {
  return url === rendererUrl
}
