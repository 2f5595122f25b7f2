// Commander option parsers: a bad value is a usage error naming what was expected, before any work starts.
import { InvalidArgumentError } from 'commander'
import { TRAIN_BACKENDS, type TrainBackend } from '../core/train/devices'

function numberWhere(check: (n: number) => boolean, expected: string): (value: string) => number {
  return (value) => {
    const n = Number(value)
    if (value.trim() === '' || !check(n)) throw new InvalidArgumentError(`expected ${expected}`)
    return n
  }
}

export const parsePositiveInt = numberWhere((n) => Number.isInteger(n) && n > 0, 'a positive integer')
export const parseNonNegativeInt = numberWhere((n) => Number.isInteger(n) && n >= 0, 'a non-negative integer')
export const parseInteger = numberWhere(Number.isInteger, 'an integer')
export const parsePositiveNumber = numberWhere((n) => Number.isFinite(n) && n > 0, 'a positive number')
export const parseNonNegativeNumber = numberWhere((n) => Number.isFinite(n) && n >= 0, 'a non-negative number')
export const parseFraction = numberWhere((n) => Number.isFinite(n) && n >= 0 && n < 1, 'a number from 0 to below 1')
export const parsePort = numberWhere((n) => Number.isInteger(n) && n >= 0 && n <= 65535, 'a port number 0-65535')

export function parseList(value: string): string[] {
  return value.split(',').map((v) => v.trim()).filter(Boolean)
}

/** The same range model.setAdapter accepts. */
export const parseAdapterScale = numberWhere((n) => Number.isFinite(n) && n >= 0 && n <= 4, 'an adapter scale from 0 to 4')

/** The same range as the temperature setting and the ask API: 0 (greedy) to 2. */
export const parseTemperature = numberWhere((n) => Number.isFinite(n) && n >= 0 && n <= 2, 'a temperature from 0 to 2')

/** The same range the ask API accepts for one answer: 1 to 4,096 tokens. */
export const parseAnswerMaxTokens = numberWhere((n) => Number.isInteger(n) && n >= 1 && n <= 4096, 'an integer from 1 to 4096')

/** --backend for training: the same names as inference's backend setting. */
export function parseTrainBackend(value: string): TrainBackend {
  if (!(TRAIN_BACKENDS as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${TRAIN_BACKENDS.join(', ')}`)
  return value as TrainBackend
}

/** How every command names the database it works on: any engine openDatabase accepts. */
export const DATABASE_ARGUMENT_HELP =
  'a SQLite or DuckDB file, a CSV/Parquet/JSON file or a folder of them, or a postgres://user@host:port/db URL (password from PGPASSWORD)'
