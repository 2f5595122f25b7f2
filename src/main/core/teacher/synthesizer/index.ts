// SQL-first synthesis of (question, SQL) pairs grounded in one database: no LLM needed.
export { synthesize, synthesizeWithStats, DEFAULT_MIX, type SynthesizeOptions, type SynthesizedPair, type SynthesisStats, type HardnessMix } from './synthesize'
export { renderQuestion } from './render'
export { describePlan, planToSql, allPlanTables, type QueryPlan, type ColRef, type Condition, type SelectItem } from './plan'
export { profileDatabase, inProcessExecutor, type SqlExecutor, type DbProfile, type TableProfile, type ColumnProfile, type FkEdge } from './profile'
export { splitWords, humanize, pluralize, singularize, tableNouns, columnPhrase } from './naming'
export { seededRng, type Rng } from './prng'
export { FAMILIES, type Family } from './families'
