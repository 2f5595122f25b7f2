import { createPortal } from 'react-dom'
import type { FormEvent, ReactNode } from 'react'
import { useModalDialog } from '../hooks/useModalDialog'

interface Props {
  /** The dialog's heading; its id labels the dialog for screen readers. */
  title: ReactNode
  titleId: string
  testId: string
  onClose(): void
  /** 'drawer' slides in from the right and carries a close button in its header. */
  variant?: 'dialog' | 'drawer'
  /** Clicking the backdrop closes: right for read-only panels, wrong for forms with typed input. */
  closeOnBackdrop?: boolean
  /** Wide dialogs (the customize wizard, the teacher diff) get more room. */
  wide?: boolean
  closeLabel?: string
  /** A dialog gets a × in its header too (a drawer always has one): for panels that say they can be closed. */
  closeButton?: boolean
  /** Dialogs that are forms submit on Enter; the body becomes the <form>. */
  onSubmit?(event: FormEvent): void
  children: ReactNode
}

/**
 * The one shell every modal panel uses: a native <dialog> opened modally (focus trap, Esc, inert page behind it),
 * Esc routed to onClose so React stays the owner of whether it is shown.
 */
export function Modal(props: Props) {
  const { title, titleId, testId, onClose, variant = 'dialog', closeOnBackdrop = false, wide = false, closeLabel, closeButton = false, onSubmit, children } = props
  const dialog = useModalDialog()
  const drawer = variant === 'drawer'
  const heading = (
    <h2 id={titleId} className="dialog__title">
      {title}
    </h2>
  )
  // the heading with a × beside it: a drawer's header always, a dialog's when closeButton
  const withClose = (className: string) => (
    <header className={className}>
      {heading}
      <span className="toolbar-spacer" />
      <button type="button" className="icon-btn" onClick={onClose} aria-label={closeLabel ?? 'Close'} data-testid={`${testId}-close`}>
        ×
      </button>
    </header>
  )
  // In document.body, not where it is declared: a dialog opened from inside another (Export dataset… from the
  // Customize window) would otherwise put its <form> inside the outer dialog's <form>, which HTML does not allow.
  return createPortal(
    <dialog
      ref={dialog}
      className={`${drawer ? 'drawer' : 'dialog'}${wide ? ' dialog--wide' : ''}`}
      aria-labelledby={titleId}
      data-testid={testId}
      onCancel={(e) => {
        e.preventDefault()
        onClose()
      }}
      onClick={closeOnBackdrop ? (e) => e.target === e.currentTarget && onClose() : undefined}
    >
      {drawer ? (
        <div className="drawer__body">
          {withClose('drawer__head')}
          {children}
        </div>
      ) : (
        <form className="dialog__body" onSubmit={onSubmit ?? ((e) => e.preventDefault())} noValidate>
          {closeButton ? withClose('dialog__head') : heading}
          {children}
        </form>
      )}
    </dialog>,
    document.body,
  )
}
