// Sandboxed preload: exposes the API contract's IPC transport to the page, nothing else.
import { contextBridge, ipcRenderer, type IpcRendererEvent } from 'electron'
import { IPC_EVENT, IPC_INVOKE, PRELOAD_GLOBAL, type ApiTransport, type EventName } from '../shared/api'

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

contextBridge.exposeInMainWorld(PRELOAD_GLOBAL, transport)
