// Natural names for schema identifiers: `first_name` → "first name", `InvoiceLine` → "invoice line",
// `playlist_tracks` → "playlist tracks" / singular "playlist track". Heuristics only: good enough for template
// questions, which an LLM teacher may later rewrite from the same plan.

/** Splits snake_case, kebab-case, camelCase and PascalCase (keeping acronyms together) into lower-case words. */
export function splitWords(identifier: string): string[] {
  return identifier
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w.length > 0)
    .map((w) => w.toLowerCase())
}

export function humanize(identifier: string): string {
  const words = splitWords(identifier)
  return words.length > 0 ? words.join(' ') : identifier
}

const IRREGULAR_PLURALS: Record<string, string> = {
  person: 'people',
  child: 'children',
  man: 'men',
  woman: 'women',
  medium: 'media',
  datum: 'data',
  criterion: 'criteria',
  mouse: 'mice',
  foot: 'feet',
  tooth: 'teeth',
}
const IRREGULAR_SINGULARS = Object.fromEntries(Object.entries(IRREGULAR_PLURALS).map(([s, p]) => [p, s]))
/** Words whose singular and plural are the same, or that read fine either way. */
const INVARIANT = new Set(['series', 'species', 'news', 'info', 'information', 'data', 'equipment', 'staff', 'music'])

function pluralWord(word: string): string {
  if (INVARIANT.has(word)) return word
  if (IRREGULAR_PLURALS[word]) return IRREGULAR_PLURALS[word]
  if (IRREGULAR_SINGULARS[word]) return word
  if (/(s|x|z|ch|sh)$/.test(word)) return `${word}es`
  if (/[^aeiou]y$/.test(word)) return `${word.slice(0, -1)}ies`
  return `${word}s`
}

function singularWord(word: string): string {
  if (INVARIANT.has(word)) return word
  if (IRREGULAR_SINGULARS[word]) return IRREGULAR_SINGULARS[word]
  if (/ies$/.test(word) && word.length > 4) return `${word.slice(0, -3)}y`
  if (/(ss|us|is|ous)$/.test(word)) return word
  if (/(ches|shes|xes|zes|sses)$/.test(word)) return word.slice(0, -2)
  if (/s$/.test(word) && word.length > 3) return word.slice(0, -1)
  return word
}

/** The phrase's last word in the plural: "playlist track" → "playlist tracks", "country" → "countries". */
export function pluralize(phrase: string): string {
  const words = phrase.split(' ')
  const last = words.pop() ?? ''
  return [...words, pluralWord(singularWord(last))].join(' ')
}

export function singularize(phrase: string): string {
  const words = phrase.split(' ')
  const last = words.pop() ?? ''
  return [...words, singularWord(last)].join(' ')
}

/** "singer_in_concert" → "singer in concert" entries; "tracks" → "tracks" / "track". */
export function tableNouns(tableName: string): { singular: string; plural: string } {
  const base = humanize(tableName)
  return { singular: singularize(base), plural: pluralize(base) }
}

/** A column's words without the table's own name in front: in `artists`, `artist_name` reads "name". */
export function columnPhrase(columnName: string, tableName?: string): string {
  const words = splitWords(columnName)
  if (tableName && words.length > 1) {
    const tableWords = splitWords(singularize(humanize(tableName)))
    if (tableWords.length > 0 && tableWords.every((w, i) => words[i] === w) && words.length > tableWords.length) {
      const rest = words.slice(tableWords.length)
      if (!(rest.length === 1 && rest[0] === 'id')) return rest.join(' ')
    }
  }
  return words.length > 0 ? words.join(' ') : columnName
}
