import { useEffect, useState } from 'react'
import type { Settings } from '../../../shared/settings'

export type ResolvedTheme = 'light' | 'dark'

const darkQuery = () => window.matchMedia('(prefers-color-scheme: dark)')

/** Resolves the theme setting against the OS preference and applies it to <html data-theme>. */
export function useTheme(setting: Settings['theme'] | undefined): ResolvedTheme {
  const [systemDark, setSystemDark] = useState(() => darkQuery().matches)

  useEffect(() => {
    const query = darkQuery()
    const onChange = () => setSystemDark(query.matches)
    query.addEventListener('change', onChange)
    return () => query.removeEventListener('change', onChange)
  }, [])

  const theme: ResolvedTheme = setting === 'light' || setting === 'dark' ? setting : systemDark ? 'dark' : 'light'
  useEffect(() => {
    document.documentElement.dataset.theme = theme
  }, [theme])
  return theme
}
