import type { TeacherConfig } from '../../../shared/teacher'
import { getApi } from '../api'
import { useLiveValue } from './useLiveValue'

/** The saved teacher configuration, kept current by `teacher.changed`; undefined until first read. */
export function useTeacherConfig(): TeacherConfig | null | undefined {
  return useLiveValue(() => getApi().teacher.get(), 'teacher.changed', null)
}
