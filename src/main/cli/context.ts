// What every CLI command needs: the same core service the desktop app uses, over the shared data folder.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { CoreService } from '../core/service/coreService'
import { JsonFileStore } from '../core/settings/keyValueStore'
import { appRoot, defaultDataDir } from '../core/platform/paths'

export function appVersion(): string {
  return (JSON.parse(readFileSync(join(appRoot(), 'package.json'), 'utf8')) as { version: string }).version
}

export function createCliService(shell: 'web' | 'electron' = 'web', options: { studentSlots?: number } = {}): CoreService {
  const dataDir = defaultDataDir()
  return new CoreService({ shell, version: appVersion(), dataDir, store: new JsonFileStore(dataDir), ...options })
}
