import { forwardRef, useState, type KeyboardEvent, type ReactNode } from 'react'
import type { LoadedModelInfo } from '../../../shared/models'
import type { AskState } from '../hooks/useAsk'
import { useElapsed } from '../hooks/useElapsed'
import { AskStatusChip } from './AskStatusChip'
import { SparkIcon, StopIcon } from './Icons'

interface Props {
  model: LoadedModelInfo | null | undefined
  state: AskState
  onAsk(question: string): void
  onCancel(): void
  onOpenModels(): void
  /** Controls shown after the Ask button (e.g. comparing with the teacher), given what the box holds now. */
  extra?: (question: string) => ReactNode
}

/** The question box: Enter asks, Shift+Enter adds a line, Esc cancels a running question. */
export const AskBar = forwardRef<HTMLTextAreaElement, Props>(function AskBar({ model, state, onAsk, onCancel, onOpenModels, extra }, ref) {
  const [question, setQuestion] = useState('')
  const running = state.status === 'running'
  const elapsed = useElapsed(running ? state.startedAt : null)

  // With no model the box still takes the question (it waits there while a model loads); asking opens Models.
  const noModel = model === null
  const submit = () => {
    const q = question.trim()
    if (noModel) return onOpenModels()
    if (!q || running || !model) return
    onAsk(q)
  }

  const onKeyDown = (event: KeyboardEvent<HTMLTextAreaElement>) => {
    if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
      event.preventDefault()
      submit()
    } else if (event.key === 'Escape' && running) {
      event.preventDefault()
      onCancel()
    }
  }

  return (
    <div className="ask-bar" data-testid="ask-bar" data-status={noModel ? 'no-model' : state.status}>
      <SparkIcon className="ask-bar__icon" />
      <textarea
        ref={ref}
        className="ask-bar__input"
        rows={1}
        value={question}
        onChange={(e) => setQuestion(e.target.value)}
        onKeyDown={onKeyDown}
        readOnly={running}
        placeholder={
          noModel
            ? 'Type a question about this database — it is asked once a model is loaded'
            : model
              ? 'Ask a question about this database… (Enter asks, Shift+Enter for a new line)'
              : 'Loading…'
        }
        aria-label="Question for the SQL assistant"
        data-testid="ask-input"
        spellCheck
      />
      {running ? (
        <button className="btn btn--danger" onClick={onCancel} aria-label="Cancel the question (Esc)" data-testid="ask-cancel" title="Cancel (Esc)">
          <StopIcon /> {state.cancelling ? 'Cancelling…' : 'Stop'}
        </button>
      ) : noModel ? (
        <button className="btn btn--primary" onClick={onOpenModels} data-testid="ask-open-models" title="Open the Models panel">
          Load a model…
        </button>
      ) : (
        <button className="btn btn--primary" onClick={submit} disabled={!question.trim() || !model} aria-label="Ask" data-testid="ask-submit" title="Ask (Enter)">
          Ask
        </button>
      )}
      {!noModel && extra?.(question)}
      <div className="ask-bar__status" aria-live="polite">
        {running ? (
          <span className="ask-progress" data-testid="ask-running" role="status">
            <span className="spinner" aria-hidden />
            {state.attempt > 0 ? <span className="chip chip--warn">repair attempt</span> : null}
            {state.text ? 'Writing SQL' : 'Reading the schema'}… {(elapsed / 1000).toFixed(1)} s
          </span>
        ) : noModel ? (
          <span className="muted" data-testid="ask-no-model">
            No model is loaded: load one in the Models panel (a GGUF from disk works offline). You can still write and run SQL below.
          </span>
        ) : (
          <AskStatusChip state={state} />
        )}
      </div>
    </div>
  )
})
