// A second, tiny preload bridge next to the API transport: a dropped File's real path on disk. Only the preload
// can ask Electron for it (webUtils.getPathForFile, Electron ≥ 32); the page cannot read paths by itself.
// Browser mode has no such bridge: a dropped file is uploaded to the local host instead (a copy is opened).

/** The global the preload installs in Electron, beside PRELOAD_GLOBAL. */
export const PRELOAD_FILES_GLOBAL = 'sqlstillFiles'

export interface FileBridge {
  /** The file's absolute path, or '' when it has none (e.g. a file built in memory, not dragged from disk). */
  pathForFile(file: File): string
}
