import type { ApiErrorShape } from '../../../shared/errors'
import type { QueryResult } from '../../../shared/query'
import type { ValidationClass } from './validate'
export type { AskAttempt, AskRecord, ResultSummary } from '../../../shared/ask'

