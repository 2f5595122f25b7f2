/** The search box above a history list, with how many items it shows: "12 asked", or "3 of 12" while filtering. */
export function ListSearch(props: { value: string; onChange(value: string): void; placeholder: string; testId: string; shown: number; total: number; noun: string }) {
  const { value, onChange, placeholder, testId, shown, total, noun } = props
  return (
    <div className="history__toolbar">
      <input
        className="input history__search"
        type="search"
        value={value}
        onChange={(e) => onChange(e.target.value)}
        placeholder={placeholder}
        aria-label={placeholder}
        data-testid={testId}
      />
      <span className="muted small">{shown === total ? `${total} ${noun}` : `${shown} of ${total}`}</span>
    </div>
  )
}
