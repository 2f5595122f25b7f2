// What the per-concern handler modules need from the CoreService: its options, events, the student and open
// databases. An interface, so each module depends on this much and no more.
import type { Settings } from '../../../shared/settings'
import type { AskService } from '../ask/service'
import type { DatabaseHandle } from '../db'
import type { KeyValueStore } from '../settings/keyValueStore'
import type { SecretStore } from '../teacher/openaiTeacher'
import type { EventBus } from './events'

export interface ServiceContext {
  readonly dataDir: string
  readonly store: KeyValueStore
  readonly secretStore?: SecretStore
  readonly events: EventBus
  readonly student: AskService
  readonly settings: Settings
  handle(dbId: string): DatabaseHandle
}
