import { useEffect, useRef } from 'react'

/** Opens a <dialog> as modal on mount (focus trap, Esc, backdrop) and closes it on unmount. */
export function useModalDialog() {
  const ref = useRef<HTMLDialogElement>(null)
  useEffect(() => {
    const element = ref.current!
    if (!element.open) element.showModal()
    return () => element.close()
  }, [])
  return ref
}
