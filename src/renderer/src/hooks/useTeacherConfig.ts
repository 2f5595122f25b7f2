import { useEffect, useState } from 'react'
import type { TeacherConfig } from '../../../shared/teacher'
import { getApi } from '../api'

/** The saved teacher configuration, kept current by `teacher.changed`; undefined until first read. */
export function useTeacherConfig(): TeacherConfig | null | undefined {
  const [config, setConfig] = useState<TeacherConfig | null | undefined>(undefined)
  useEffect(() => {
    let live = true
    const api = getApi()
    api.teacher.get().then(
      (c) => live && setConfig(c),
      () => live && setConfig(null),
    )
    const off = api.on('teacher.changed', (c) => setConfig(c))
    return () => {
      live = false
      off()
    }
  }, [])
  return config
}
