import type { LoadedModelInfo } from '../../../shared/models'
import { getApi } from '../api'
import { useLiveValue } from './useLiveValue'

/** The loaded student model (null when none), kept current by `model.changed`. `undefined` until known. */
export function useCurrentModel(): LoadedModelInfo | null | undefined {
  return useLiveValue(() => getApi().model.current(), 'model.changed', null)
}
