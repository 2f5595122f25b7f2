// Sandboxed preload: exposes the API contract's IPC transport to the page, and the one thing the page cannot
// do itself: tell where a dropped file lives on disk (for drag-and-drop opening).
import { contextBridge, ipcRenderer, webUtils, type IpcRendererEvent } from 'electron'
import { IPC_EVENT, IPC_INVOKE, PRELOAD_GLOBAL, type ApiTransport, type EventName } from '../shared/api'
import { PRELOAD_FILES_GLOBAL, type FileBridge } from '../shared/fileBridge'

const transport: ApiTransport = {
  invoke: (method, arg) => ipcRenderer.invoke(IPC_INVOKE, method, arg),
  subscribe(listener) {
    const handler = (_event: IpcRendererEvent, name: EventName, payload: unknown) => listener(name, payload)
    ipcRenderer.on(IPC_EVENT, handler)
    return () => {
      ipcRenderer.removeListener(IPC_EVENT, handler)
    }
  },
}

const files: FileBridge = {
  pathForFile: (file) => webUtils.getPathForFile(file),
}

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, transport)
contextBridge.exposeInMainWorld(PRELOAD_FILES_GLOBAL, files)
