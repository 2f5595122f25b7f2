// Dataset filters for distillation. Each returns a Verdict ({ pass, reason }) per item so runs can report counts.
export { PASS, fail, inProcessFilterDb, type Verdict, type FilterDb } from './verdict'
export { onlySelect, tokenizeSql, type SqlToken } from './statement'
export { identifiersExist, unknownIdentifiers } from './identifiers'
export { parsesAndCompiles, executesWithin, nonDegenerate, type ExecutionVerdict, type NonDegenerateOptions } from './execution'
export { dedupe, leakage, type QuestionSql, type FilterOutcome } from './dedupe'
export { selfConsistency, type ConsistencyOutcome, type Execute } from './selfConsistency'
export { normalizeSql, normalizeQuestion, questionTokens, jaccard, NEAR_DUPLICATE_JACCARD } from './normalize'
